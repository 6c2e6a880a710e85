// tokenize(tokenizer): records -> examples (token ids + loss mask). The mask marks the tokens the
// model is trained to predict: everything in plain text; only the answer for prompt/completion,
// alpaca and chat records (the prompt is masked out); both answers of a preference pair.
//
//   text        [BOS]? text [EOS]            mask 0 on BOS, 1 elsewhere (BOS/EOS only at document ends)
//   prompt      [BOS]? prompt | completion EOS   mask 0 ... 0 | 1 ... 1
//   alpaca      the prompt is "### Instruction:\n{instruction}\n\n[### Input:\n{input}\n\n]### Response:\n"
//   chat        each message as "{role}: {content}\n" (no chat template yet); loss on assistant content
//   preference  two prompt examples (prompt+chosen, prompt+rejected) as one pair
// Special-token text inside the data is NOT matched as special tokens unless `specials: true`.

import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import type { DataRecord } from './records.ts';
import { type Stage, type Example, type PairExample, type Cursor, mapCursor } from './stage.ts';
import { DiagnosticError } from './result.ts';

export interface TokenizeOptions {
  /** Append EOS at document ends and after answers (default: when the tokenizer has one). */
  readonly eos?: boolean;
  /** Prepend BOS at document starts (default: tokenizer.addBos). */
  readonly bos?: boolean;
  readonly specials?: boolean;
}

export const alpacaPrompt = (instruction: string, input: string): string =>
  `### Instruction:\n${instruction}\n\n${input ? `### Input:\n${input}\n\n` : ''}### Response:\n`;

class Builder {
  tokens: number[] = [];
  mask: number[] = [];
  add(ids: readonly number[], m: 0 | 1): void {
    for (const id of ids) (this.tokens.push(id), this.mask.push(m));
  }
  done(): Example {
    return { kind: 'example', tokens: this.tokens, mask: this.mask };
  }
}

export function tokenize(
  tok: Tokenizer,
  opts: TokenizeOptions = {},
): Stage<DataRecord, Example | PairExample> {
  const eos = opts.eos ?? tok.eosId !== undefined;
  const bos = opts.bos ?? tok.addBos;
  const enc = (s: string) => tok.encode(s, { specials: opts.specials ?? false });
  const start = (b: Builder) => bos && tok.bosId !== undefined && b.add([tok.bosId], 0);
  const end = (b: Builder) => eos && tok.eosId !== undefined && b.add([tok.eosId], 1);

  const promptExample = (prompt: string, answer: string): Example => {
    const b = new Builder();
    start(b);
    b.add(enc(prompt), 0);
    b.add(enc(answer), 1);
    end(b);
    return b.done();
  };

  const convert = (r: DataRecord): Example | PairExample => {
    if (r === null || typeof r !== 'object' || !('kind' in r))
      throw new Error('tokenize: upstream produced a non-record');
    switch (r.kind) {
      case 'text': {
        const b = new Builder();
        if (r.start) start(b);
        b.add(enc(r.text), 1);
        if (r.end) end(b);
        return b.done();
      }
      case 'prompt':
        return promptExample(r.prompt, r.completion);
      case 'alpaca':
        return promptExample(alpacaPrompt(r.instruction, r.input), r.output);
      case 'chat': {
        const b = new Builder();
        start(b);
        for (const m of r.messages) {
          const train = m.role === 'assistant' ? 1 : 0;
          b.add(enc(`${m.role}: `), 0);
          b.add(enc(`${m.content}\n`), train);
        }
        end(b);
        return b.done();
      }
      case 'preference':
        return {
          kind: 'pair',
          chosen: promptExample(r.prompt, r.chosen),
          rejected: promptExample(r.prompt, r.rejected),
        };
      default:
        throw new DiagnosticError({
          code: 'FTL0742',
          severity: 'error',
          message: `tokenize(${tok.describe()}) got an item of kind \`${(r as { kind: string }).kind}\`, expected records from text(...) or jsonl(...)`,
        });
    }
  };

  return {
    describe: () => `tokenize(${tok.describe()})`,
    problems: () => [],
    open: (up: Cursor<DataRecord>) => mapCursor(up, convert),
  };
}
