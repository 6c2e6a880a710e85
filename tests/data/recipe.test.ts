// Through the compiler: a recipe's `parquet(...) |> tokenize(..., template: ...)` passes the
// checker, becomes the data spec's stages, and the trainer's feeder (runtime/train/feed.ts)
// yields the same batch as the direct API.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compile } from '../../compiler/compile.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import { parquet, tokenize, pad, batch, pipeline } from '../../runtime/data/index.ts';
import { byteTokenizer } from '../../runtime/tokenizer/byte-level.ts';
import { chatTemplate } from '../../runtime/tokenizer/chat-template.ts';
import { unwrap } from '../../runtime/data/result.ts';
import { writeParquet } from './parquet-writer.ts';

const TEMPLATE =
  '{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}';

describe('parquet + chat template in a recipe', () => {
  it('compiles and feeds the same batch as the direct API', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-recipe-'));
    const rows = [0, 1, 2, 3].map((i) => ({ question: `${i} + ${i}?`, answer: `${2 * i}` }));
    const str = (name: string) => ({ name, type: 'BYTE_ARRAY' as const });
    writeParquet(path.join(dir, 'qa.parquet'), [str('question'), str('answer')], rows, { rowGroupSize: 3 });
    const source = [
      'import std.models.gpt2',
      'import std.losses.causal_lm',
      'import std.optim.adamw',
      'recipe r {',
      '  model = gpt2(vocab: 300, d: 16, layers: 1, heads: 2, ctx: 48)',
      `  data  = parquet("qa.parquet", columns: "prompt=question, completion=answer") |> tokenize("bytes", template: ${JSON.stringify(TEMPLATE)}) |> pad(seq: 48) |> batch(2)`,
      '  loss  = causal_lm',
      '  optim = adamw(lr: 1e-3)',
      '  train(steps: 2)',
      '}',
    ].join('\n');
    const c = compile(source, path.join(dir, 'r.ftl'));
    expect(c.diagnostics).toEqual([]);
    expect(c.build!.dataSpec.stages[0]).toEqual({
      op: 'parquet',
      args: { path: 'qa.parquet', columns: 'prompt=question, completion=answer' },
    });
    const feeder = unwrap(openFeeder(c.build!.dataSpec, dir));
    const got = feeder.feed(1);

    const tok = byteTokenizer();
    const direct = unwrap(
      pipeline(
        parquet(path.join(dir, 'qa.parquet'), { columns: { prompt: 'question', completion: 'answer' } }),
        tokenize(tok, { template: unwrap(chatTemplate(TEMPLATE, {}, 'test')) }),
        pad({ seq: 48, padId: 0 }),
        batch(2),
      ),
    );
    const want = unwrap(direct.next());
    expect(Array.from(got.tokens!)).toEqual(Array.from(want.tokens));
    expect(Array.from(got.loss_mask!)).toEqual(Array.from(want.loss_mask));
    // The trained tokens of row 0 are exactly the answer and its closing tag.
    const row0 = Array.from(want.tokens.subarray(0, 48)).filter((_, i) => want.loss_mask[i]);
    expect(tok.decode(row0)).toBe('0</assistant>');
  });
});
