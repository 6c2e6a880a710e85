// tokenize(tokenizer): records -> examples (token ids + loss mask). The mask marks the tokens the
// model is trained to predict: everything in plain text; only the answer for prompt/completion,
// alpaca and chat records (the prompt is masked out); both answers of a preference pair.
//
//   text        [BOS]? text [EOS]            mask 0 on BOS, 1 elsewhere (BOS/EOS only at document ends)
//   prompt      [BOS]? prompt | completion EOS   mask 0 ... 0 | 1 ... 1
//   alpaca      the prompt is "### Instruction:\n{instruction}\n\n[### Input:\n{input}\n\n]### Response:\n"
//   chat        each message as "{role}: {content}\n"; loss on assistant content
//   preference  two prompt examples (prompt+chosen, prompt+rejected) as one pair
// Special-token text inside the data is NOT matched as special tokens unless `specials: true`.
//
// With `template` (a model's chat template, chat-template.ts), conversations are rendered the
// way the model was instruction-tuned: chat records as they are; prompt, alpaca and preference
// records as a user turn and an assistant turn. The loss is on the assistant turns only (their
// content and end token, as the template renders them); everything else is masked. The
// template owns BOS/EOS then (they default off), and the rendered text is encoded with special
// tokens recognized, since the template writes them as text ("<|im_start|>"). Text records
// are tokenized as without a template.

import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import type { ChatMessage, DataRecord } from './records.ts';
import { type Stage, type Example, type PairExample, type Cursor, mapCursor } from './stage.ts';
import { DiagnosticError } from './result.ts';
import { type ChatTemplate, ChatTemplateError } from '../tokenizer/chat-template.ts';

export interface TokenizeOptions {
  /** Append EOS at document ends and after answers (default: when the tokenizer has one). */
  readonly eos?: boolean;
  /** Prepend BOS at document starts (default: tokenizer.addBos). */
  readonly bos?: boolean;
  readonly specials?: boolean;
  /** Render records with this chat template (loss on assistant turns). Default: none. */
  readonly template?: ChatTemplate;
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
  const template = opts.template;
  const eos = opts.eos ?? tok.eosId !== undefined;
  const bos = opts.bos ?? tok.addBos;
  const enc = (s: string) => tok.encode(s, { specials: opts.specials ?? false });
  const start = (b: Builder) => bos && tok.bosId !== undefined && b.add([tok.bosId], 0);
  const end = (b: Builder) => eos && tok.eosId !== undefined && b.add([tok.eosId], 1);
  // Templated conversations: the template writes BOS/EOS itself, so only explicit options add them.
  const startT = (b: Builder) => opts.bos && tok.bosId !== undefined && b.add([tok.bosId], 0);
  const endT = (b: Builder) => opts.eos && tok.eosId !== undefined && b.add([tok.eosId], 1);

  const promptExample = (prompt: string, answer: string): Example => {
    const b = new Builder();
    start(b);
    b.add(enc(prompt), 0);
    b.add(enc(answer), 1);
    end(b);
    return b.done();
  };

  /** A conversation through the chat template: segments between assistant spans are masked. */
  const templated = (messages: readonly ChatMessage[]): Example => {
    const failed = (why: string) =>
      new DiagnosticError({
        code: 'FTL0744',
        severity: 'error',
        message: `the chat template failed on the conversation starting ${JSON.stringify(excerpt(messages))}: ${why}`,
        hint: 'check the record against the roles and order the template expects',
      });
    let r: ReturnType<ChatTemplate['assistantSpans']>;
    try {
      r = template!.assistantSpans(messages);
    } catch (e) {
      if (e instanceof ChatTemplateError) throw failed(e.message);
      throw e;
    }
    if (typeof r === 'string') throw failed(r);
    const b = new Builder();
    startT(b);
    const encT = (s: string) => (s ? tok.encode(s, { specials: true }) : []);
    let at = 0;
    for (const [s, e] of r.spans) {
      b.add(encT(r.text.slice(at, s)), 0);
      b.add(encT(r.text.slice(s, e)), 1);
      at = e;
    }
    b.add(encT(r.text.slice(at)), 0);
    endT(b);
    return b.done();
  };
  const turn = (user: string, assistant: string): ChatMessage[] => [
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ];

  const convert = (r: DataRecord): Example | PairExample => {
    if (r === null || typeof r !== 'object' || !('kind' in r))
      throw new Error('tokenize: upstream produced a non-record');
    if (template)
      switch (r.kind) {
        case 'chat':
          return templated(r.messages);
        case 'prompt':
          return templated(turn(r.prompt, r.completion));
        case 'alpaca':
          return templated(turn(r.input ? `${r.instruction}\n\n${r.input}` : r.instruction, r.output));
        case 'preference':
          return {
            kind: 'pair',
            chosen: templated(turn(r.prompt, r.chosen)),
            rejected: templated(turn(r.prompt, r.rejected)),
          };
      }
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
    describe: () => `tokenize(${tok.describe()}${template ? ', template' : ''})`,
    problems: () => [],
    open: (up: Cursor<DataRecord>) => mapCursor(up, convert),
  };
}

const excerpt = (messages: readonly ChatMessage[]): string => {
  const c = messages[0]?.content ?? '';
  return c.length > 40 ? `${c.slice(0, 40)}…` : c;
};
