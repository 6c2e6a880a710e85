// Bit-cipher embeddings (stdlib/methods/bit_cipher.ftl, compiler/features/bit-cipher.ts):
// the construction on a hand-checked stream; the model's embedding table equals the
// externally computed cipher matrix of the same calibration batches bit for bit; two builds
// give the same matrix; frozen, it stays bit-identical while the rest trains; a WebGPU step
// equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { bitCipher } from '../../compiler/features/bit-cipher.ts';
import { step } from '../../runtime/cpu/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { gpuStepMatchesCpu, inputs, maxAbsDiff, type Store } from './wave1a-helpers.ts';

const recipe = (apply: string, layers = 2) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.bit_cipher
recipe r {
  model = gpt2(vocab: 256, ctx: 16, d: 16, heads: 2, layers: ${layers})
  data = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 8) |> batch(4)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 3)
}`;
const build = (t: string) => {
  const b = buildTrainingGraph(
    { file: 'examples/inline.ftl', program: parse(t, 'examples/inline.ftl').ast },
    { parse },
  ) as TrainingBuild;
  expect(b.diagnostics).toEqual([]);
  return b;
};

describe('bit cipher', () => {
  it('construction on a hand-checked stream', () => {
    // tokens 1 1 2 | 0 1 2 (two rows of 3), vocab 3, bits 2, window 1, concat.
    const m = bitCipher(Int32Array.from([1, 1, 2, 0, 1, 2]), 3, 3, 2, 1, 'concat');
    // counts: 0:1, 1:3, 2:2 -> ranks 1:0, 2:1, 0:2 -> codes (rank+1, LSB first): 1:[1,0], 2:[0,1], 0:[1,1]
    const w = (n: number) => -Math.log((n + 1) / (6 + 3));
    const c = [
      [w(1), w(1)],
      [w(3), 0],
      [0, w(2)],
    ];
    const unit = (v: number[]) => v.map((x) => x / (Math.hypot(...v) || 1));
    // contexts: token 1 at (0,0): next 1; (0,1): 1 and 2; (1,1): 0 and 2 -> c1 + c1 + c2 + c0 + c2
    const h1 = [0, 1].map((k) => 2 * c[1][k] + 2 * c[2][k] + c[0][k]);
    const h0 = [0, 1].map((k) => c[1][k]); // token 0 at (1,0): next is 1
    const h2 = [0, 1].map((k) => 2 * c[1][k]); // (0,2): prev 1; (1,2): prev 1
    const expected = [
      [...unit(c[0]), ...unit(h0)],
      [...unit(c[1]), ...unit(h1)],
      [...unit(c[2]), ...unit(h2)],
    ].flat();
    expect(maxAbsDiff(m, expected)).toBeLessThan(1e-6);
  });

  it('the embedding table is the externally computed cipher, bit for bit, and deterministic', () => {
    const b = build(recipe('apply bit_cipher(window: 2, batches: 3)'));
    const feeder = openFeeder(b.dataSpec, 'examples');
    if (!feeder.ok) throw new Error('no data');
    const toks = Int32Array.from(
      [1, 2, 3].flatMap((s) => Array.from(feeder.value.feed(s).tokens as Int32Array)),
    );
    const ext = bitCipher(toks, 8, 256, 16, 2, 'sum');
    expect(b.initialValues(0).get('wte.weight')).toEqual(ext);
    expect(
      build(recipe('apply bit_cipher(window: 2, batches: 3)')).initialValues(5).get('wte.weight'),
    ).toEqual(ext);
    const cat = build(recipe('apply bit_cipher(mode: "concat", window: 2, batches: 3)'));
    expect(cat.initialValues(0).get('wte.weight')).toEqual(bitCipher(toks, 8, 256, 8, 2, 'concat'));
  });

  it('frozen, the table stays bit-identical while the rest of the model trains', () => {
    const b = build(recipe('apply bit_cipher(window: 2)'));
    const store: Store = b.initialValues(0);
    const w0 = store.get('wte.weight')!.slice();
    const q0 = store.get('blocks.0.attn.q.weight')!.slice();
    const feeder = openFeeder(b.dataSpec, 'examples');
    if (!feeder.ok) throw new Error('no data');
    for (let s = 1; s <= 3; s++) {
      const f = feeder.value.feed(s);
      step(b.graph, store, inputs(f.tokens as Int32Array, f.loss_mask as Float32Array, s));
    }
    expect(store.get('wte.weight')).toEqual(w0);
    expect(maxAbsDiff(store.get('blocks.0.attn.q.weight')!, q0)).toBeGreaterThan(0);
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    const b = build(recipe('apply bit_cipher(window: 2)', 1));
    const feeder = openFeeder(b.dataSpec, 'examples');
    if (!feeder.ok) throw new Error('no data');
    const f = feeder.value.feed(1);
    await gpuStepMatchesCpu(h, b, inputs(f.tokens as Int32Array, f.loss_mask as Float32Array, 1));
  });
});
