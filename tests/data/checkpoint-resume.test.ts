// End to end through the disk: a loader's position goes into a training checkpoint, the
// checkpoint is saved and loaded, and a fresh loader restored from it yields exactly the batches
// the uninterrupted loader yields next. Uses the shipped corpus and the trained BPE fixture.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { text, tokenize, chunks, shuffle, batch, pipeline } from '../../runtime/data/index.ts';
import { loadHfTokenizer } from '../../runtime/tokenizer/hf-json.ts';
import { save, load } from '../../runtime/checkpoint/state.ts';
import { f32 } from '../../runtime/checkpoint/tensor.ts';
import { unwrap, type JsonValue } from '../../runtime/data/result.ts';

const root = path.join(import.meta.dirname, '../..');
const corpus = path.join(root, 'examples/data/corpus.txt');
const tok = unwrap(loadHfTokenizer(path.join(root, 'tests/tokenizer/fixtures/tiny-bpe.json')));
const make = () =>
  unwrap(pipeline(text(corpus), tokenize(tok), chunks({ seq: 64 }), shuffle({ seed: 0 }), batch(4)));

describe('resume through a checkpoint on disk', () => {
  it('continues with the same batches', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-resume-'));
    const run = make();
    for (let i = 0; i < 9; i++) unwrap(run.next());
    const data: JsonValue = run.position();
    unwrap(
      save(dir, {
        step: 9,
        params: { w: f32([1], [0]) },
        optimizer: { name: 'sgd', slots: {} },
        rng: null,
        data,
      }),
    );
    const expected = Array.from({ length: 40 }, () => Array.from(unwrap(run.next()).tokens));

    const resumed = make();
    unwrap(resumed.restore(unwrap(load(dir)).data));
    const got = Array.from({ length: 40 }, () => Array.from(unwrap(resumed.next()).tokens));
    expect(got).toEqual(expected);
    expect(run.epoch).toBeGreaterThan(0); // 40 batches crossed an epoch boundary of the corpus
    // every token id is inside the tokenizer's vocabulary
    expect(Math.max(...got.flat())).toBeLessThan(tok.vocabSize);
  });
});
