// LoRAPrune (stdlib/methods/loraprune.ftl; grad_of / host_eval / values_init in
// compiler/features/calibration.ts): the head masks equal those from the importance
// |(W + sBA) * (G_B A + B G_A)| with G_B taken by central finite differences of the loss on
// the same calibration batch (B = 0 at the start, so G_A = 0); pruned heads contribute
// exactly 0; merge reproduces the masked adapter model to 1e-5; no weight gets a gradient
// (only LoRA factors train, and the training step has no matmul of a frozen weight's shape,
// i.e. no dense dW buffer); a WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import {
  buildForwardGraph,
  buildTrainingGraph,
  type ForwardBuild,
  type TrainingBuild,
} from '../../compiler/train/build.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { leavesOf, toposort } from '../../compiler/ir/graph.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu, randomF32 } from '../webgpu/harness.ts';
import { gpuStepMatchesCpu, inputs, logits, maxAbsDiff, type Store } from './wave1a-helpers.ts';

const [D, H, R, S] = [16, 4, 2, 8]; // d, heads, rank, alpha / r = 16 / 2
const APPLY = `apply loraprune(r: ${R}, alpha: 16.0, ratio: 0.5)`;
const recipe = (apply: string, layers = 2) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.loraprune
recipe r {
  model = gpt2(vocab: 256, ctx: 16, d: ${D}, heads: ${H}, layers: ${layers})
  data = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 8) |> batch(4)
  ${apply}
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

function calibration(b: TrainingBuild) {
  const f = openFeeder(b.dataSpec, 'examples');
  if (!f.ok) throw new Error('no data');
  return f.value;
}

describe('loraprune', () => {
  it('head masks follow the LoRA-guided importance (G_B by finite differences)', () => {
    const b = trainB(recipe(APPLY));
    const p = b.initialValues(0);
    const tokens = calibration(b).feed(1).tokens as Int32Array;
    const inp = inputs(tokens, new Float32Array(tokens.length).fill(1), 1);
    const lossAt = (params: Store) =>
      Number(evaluate(b.graph, { params: params as Map<string, TypedArray>, inputs: inp }).outputs.loss[0]);
    for (const layer of [0, 1]) {
      const o = `blocks.${layer}.attn.o`;
      const w = p.get(`${o}.weight`) as Float32Array; // (D, D)
      const a = p.get(`${o}.lora_a`) as Float32Array; // (R, D)
      const b0 = p.get(`${o}.lora_b`) as Float32Array; // (D, R) = 0
      expect(b0.every((v) => v === 0)).toBe(true);
      const gb = new Float64Array(D * R);
      for (let i = 0; i < D * R; i++) {
        const eps = 1e-2;
        const up = new Map(p);
        const dn = new Map(p);
        up.set(
          `${o}.lora_b`,
          Float32Array.from(b0, (v, j) => (j === i ? v + eps : v)),
        );
        dn.set(
          `${o}.lora_b`,
          Float32Array.from(b0, (v, j) => (j === i ? v - eps : v)),
        );
        gb[i] = (lossAt(up) - lossAt(dn)) / (2 * eps);
      }
      // importance = |W * (G_B A)| (B = 0), summed per head over o's input columns
      const score = new Float64Array(H);
      for (let r = 0; r < D; r++)
        for (let c = 0; c < D; c++) {
          let g = 0;
          for (let k = 0; k < R; k++) g += gb[r * R + k] * a[k * D + c];
          score[Math.floor(c / (D / H))] += Math.abs(w[r * D + c] * g);
        }
      const order = Array.from(score.keys()).sort((x, y) => score[x] - score[y]);
      const expected = Array.from({ length: H }, (_, h) => (order.indexOf(h) < H / 2 ? 0 : 1));
      expect(Array.from(p.get(`blocks.${layer}.attn.head_mask`)!)).toEqual(expected);
    }
  });

  it('pruned heads contribute exactly 0; merge matches; only LoRA factors train', () => {
    const b = trainB(recipe(APPLY));
    expect(b.params.filter((p) => p.trainable).every((p) => /\.lora_[ab]$/.test(p.name))).toBe(true);
    const store: Store = b.initialValues(0);
    const data = calibration(b);
    for (let s = 1; s <= 3; s++) {
      const f = data.feed(s);
      step(b.graph, store, inputs(f.tokens as Int32Array, f.loss_mask as Float32Array, s));
    }
    const tokens = data.feed(6).tokens as Int32Array;
    const y = logits(fwd(recipe(APPLY)), store, inputs(tokens));
    // Scramble the value rows of every pruned head: the output must not change at all.
    const scrambled = new Map(store);
    for (const layer of [0, 1]) {
      const mask = store.get(`blocks.${layer}.attn.head_mask`)!;
      const v = Float32Array.from(store.get(`blocks.${layer}.attn.v.weight`)!);
      const noise = randomF32(v.length, layer + 1);
      for (let row = 0; row < D; row++)
        if (mask[Math.floor(row / (D / H))] === 0)
          for (let c = 0; c < D; c++) v[row * D + c] = noise[row * D + c];
      scrambled.set(`blocks.${layer}.attn.v.weight`, v);
    }
    expect(Array.from(logits(fwd(recipe(APPLY)), scrambled, inputs(tokens)))).toEqual(Array.from(y));
    const ym = logits(fwd(recipe('')), mergedParams(b.tree, store), inputs(tokens));
    expect(maxAbsDiff(y, ym)).toBeLessThan(1e-5);
  });
});

/** Matmuls in the simplified training step whose [rows, cols] is a frozen weight's shape (or
 *  its transpose): the dense dW products a weight gradient would need. */
function denseWeightGradMatmuls(b: TrainingBuild): number {
  const shapes = new Set(
    b.params
      .filter((p) => p.role === 'param' && !p.trainable && p.shape.length === 2)
      .flatMap((p) => [p.shape.join('x'), [...p.shape].reverse().join('x')]),
  );
  const g = simplify(b.graph);
  return toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]).filter(
    (n) => n.op === 'matmul' && shapes.has(n.shape.join('x')),
  ).length;
}

describe('loraprune gradient buffers', () => {
  it('computes no dense weight gradient (full fine-tuning of the same model does)', () => {
    const b = trainB(recipe(APPLY));
    expect(denseWeightGradMatmuls(b)).toBe(0);
    // Not vacuous: the same count on full fine-tuning finds the dW matmuls.
    const full = trainB(recipe(''));
    const frozenFull = { ...full, params: full.params.map((p) => ({ ...p, trainable: false })) };
    expect(denseWeightGradMatmuls(frozenFull as TrainingBuild)).toBeGreaterThanOrEqual(12);
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    const b = trainB(recipe(APPLY, 1));
    const f = calibration(b).feed(1);
    // head_score / prune_round are selection bookkeeping the step never reads (not in the plan).
    const used = new Set(leavesOf(b.graph, 'param').map((n) => n.arg.name));
    const only = {
      ...b,
      initialValues: (s: number) => new Map([...b.initialValues(s)].filter(([k]) => used.has(k))),
    };
    await gpuStepMatchesCpu(h, only, inputs(f.tokens as Int32Array, f.loss_mask as Float32Array, 1));
  });
});
