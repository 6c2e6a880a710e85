// EVA (stdlib/methods/eva.ftl, compiler/features/calibration.ts): A's rows are the top
// right-singular vectors of the stacked calibration activations (|cos| > 0.999 against
// host power iteration on X^T X, X = ln_1 of the embeddings of the same batches); B = 0
// starts at the base model exactly; ranks sum to the budget within [1, rho r]; rank
// allocation follows the explained-variance ratios; merge matches to 1e-5; a WebGPU step
// equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import {
  buildForwardGraph,
  buildTrainingGraph,
  type ForwardBuild,
  type TrainingBuild,
} from '../../compiler/train/build.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaRanks } from '../../compiler/features/calibration.ts';
import { step } from '../../runtime/cpu/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { gpuStepMatchesCpu, inputs, logits, maxAbsDiff, type Store } from './wave1a-helpers.ts';

const [D, T, B] = [16, 8, 4];
const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.eva
recipe r {
  model = gpt2(vocab: 256, ctx: 16, d: ${D}, heads: 2, layers: ${apply.includes('layers1') ? 1 : 2})
  data = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: ${T}) |> batch(${B})
  ${apply.replace('layers1', '')}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 3)
}`;
const src = (t: string) => ({ file: 'examples/inline.ftl', program: parse(t, 'examples/inline.ftl').ast });
const trainB = (t: string) => {
  const b = buildTrainingGraph(src(t), { parse }) as TrainingBuild;
  expect(b.diagnostics).toEqual([]);
  return b;
};
const fwd = (t: string) => buildForwardGraph(src(t), { parse }) as ForwardBuild;
const APPLY = 'apply eva(r: 2, rho: 2.0, batches: 2, targets: "blocks.*.{attn.q,mlp.fc}")';

/** The first `k` eigenvectors of a symmetric matrix by power iteration with deflation. */
function powerEig(m: Float64Array, n: number, k: number): Float64Array[] {
  const a = Float64Array.from(m);
  const out: Float64Array[] = [];
  for (let e = 0; e < k; e++) {
    let v = Float64Array.from({ length: n }, (_, i) => 1 + i * 0.37);
    let lambda = 0;
    for (let it = 0; it < 3000; it++) {
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i] += a[i * n + j] * v[j];
      lambda = Math.hypot(...w);
      v = w.map((x) => x / lambda);
    }
    out.push(v);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] -= lambda * v[i] * v[j];
  }
  return out;
}

describe('eva', () => {
  it('A = top right-singular vectors of the calibration activations; exact start', () => {
    const b = trainB(recipe(APPLY));
    const p = b.initialValues(0);
    // The same two batches the calibration pass reads, and X = ln_1(wte[tok] + wpe[t]).
    const feeder = openFeeder(b.dataSpec, 'examples');
    if (!feeder.ok) throw new Error('no data');
    const toks = [1, 2].flatMap((s) => Array.from(feeder.value.feed(s).tokens as Int32Array));
    const g = (n: string) => p.get(n) as Float32Array;
    const cov = new Float64Array(D * D);
    toks.forEach((tok, i) => {
      const t = i % T;
      const x = Array.from(
        { length: D },
        (_, j) => g('wte.weight')[tok * D + j] + g('wpe.weight')[t * D + j],
      );
      const mu = x.reduce((s, v) => s + v, 0) / D;
      const vr = x.reduce((s, v) => s + (v - mu) ** 2, 0) / D;
      const h = x.map(
        (v, j) =>
          ((v - mu) / Math.sqrt(vr + 1e-5)) * g('blocks.0.ln_1.weight')[j] + g('blocks.0.ln_1.bias')[j],
      );
      for (let r = 0; r < D; r++) for (let c = 0; c < D; c++) cov[r * D + c] += h[r] * h[c];
    });
    const a = g('blocks.0.attn.q.lora_a');
    const rank = a.length / D;
    const ref = powerEig(cov, D, rank);
    for (let k = 0; k < rank; k++) {
      const row = a.subarray(k * D, (k + 1) * D);
      const cos = row.reduce((s, v, j) => s + v * ref[k][j], 0) / Math.hypot(...row);
      expect(Math.abs(cos)).toBeGreaterThan(0.999);
    }
    const tokens = Int32Array.from(toks.slice(0, B * T));
    const y = logits(fwd(recipe(APPLY)), p, inputs(tokens));
    expect(Array.from(y)).toEqual(Array.from(logits(fwd(recipe('')), p, inputs(tokens))));
  });

  it('ranks sum to the budget within [1, rho r]; allocation follows explained variance', () => {
    const b = trainB(recipe(APPLY));
    const ranks = b.params.filter((p) => p.name.endsWith('.lora_a')).map((p) => p.shape[0]);
    expect(ranks.length).toBe(4);
    expect(ranks.reduce((x, y) => x + y, 0)).toBe(8);
    for (const r of ranks) expect(r >= 1 && r <= 4).toBe(true);
    // The layer whose variance is spread over more directions gets the larger rank.
    expect(
      evaRanks(
        [
          [0.9, 0.05, 0.05],
          [0.5, 0.3, 0.2],
        ],
        4,
        3,
      ),
    ).toEqual([1, 3]);
    expect(
      evaRanks(
        [
          [0.4, 0.35, 0.25],
          [0.5, 0.3, 0.2],
        ],
        4,
        3,
      ),
    ).toEqual([2, 2]);
    expect(
      evaRanks(
        [
          [0.4, 0.35, 0.25],
          [0.5, 0.3, 0.2],
        ],
        6,
        2,
      ),
    ).toEqual([2, 2]);
  });

  it('merge reproduces the adapter model after training', () => {
    const b = trainB(recipe(APPLY));
    const store: Store = b.initialValues(0);
    const feeder = openFeeder(b.dataSpec, 'examples');
    if (!feeder.ok) throw new Error('no data');
    for (let s = 1; s <= 3; s++) step(b.graph, store, new Map(Object.entries(feeder.value.feed(s))) as never);
    const tokens = feeder.value.feed(5).tokens as Int32Array;
    const y = logits(fwd(recipe(APPLY)), store, inputs(tokens));
    expect(maxAbsDiff(y, logits(fwd(recipe('')), mergedParams(b.tree, store), inputs(tokens)))).toBeLessThan(
      1e-5,
    );
    expect(maxAbsDiff(y, logits(fwd(recipe('')), store, inputs(tokens)))).toBeGreaterThan(1e-4);
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    const b = trainB(recipe(APPLY + 'layers1'));
    const feeder = openFeeder(b.dataSpec, 'examples');
    if (!feeder.ok) throw new Error('no data');
    const f = feeder.value.feed(1);
    await gpuStepMatchesCpu(h, b, inputs(f.tokens as Int32Array, f.loss_mask as Float32Array, 1));
  });
});
