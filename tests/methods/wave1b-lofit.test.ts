// LoFiT (stdlib/methods/lofit.ftl): step 1's scales start at the base model and add
// l1 * sum |A| to the loss; `lofit_bias(k: K)` chooses exactly the K heads of largest
// ||A_h|| from the weights the previous stage trained (value_of + group_norms + highest,
// compiler/features/host-values.ts) and trains exactly K * dh parameters from the base
// model (a stage that drops step 1 is exactly the model without it); both steps merge into
// the base weights; CPU and WebGPU agree. The two-stage run
// in one `runRecipe` is in wave1b-lofit-run.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWeights } from '../../compiler/features/selection.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { parse } from '../../grammar/index.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, trainDiagnostics, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.lofit\n' + gptRecipe(apply);
/** One stage of an inline recipe (the helpers build the first). */
function trainStage(text: string, stage: string): TrainingBuild {
  const file = 'examples/inline.ftl';
  const r = buildTrainingGraph({ file, program: parse(text, file).ast }, { parse, stage });
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r as TrainingBuild;
}
/** The training loss with every offset `lofit_v` set to fixed non-zero values. */
function lossWithOffsets(b: TrainingBuild): number {
  const st = b.initialValues(1);
  for (const p of b.params)
    if (p.name.endsWith('lofit_v'))
      st.set(
        p.name,
        Float32Array.from({ length: p.shape[0] * p.shape[1] }, (_, j) => 0.3 * Math.sin(j + 1)),
      );
  return evaluate(b.graph, { params: st, inputs: tokenInputs(4, 8, 16, 2) }).outputs.loss[0];
}
const A_NAMES = [0, 1, 2].map((l) => `blocks.${l}.attn.lofit_a`); // H = 2 heads of dh = 8
const out = (apply: string, st?: Store) => {
  const f = forward(rec(apply));
  return evaluate(f.graph, { params: st ?? f.initialValues(1), inputs: tokenInputs(4, 8, 16, 5) }).outputs
    .output;
};
function mergeMatches(apply: string) {
  const b = train(rec(apply));
  const st = b.initialValues(2);
  for (let s = 1; s <= 3; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
  const y = out(apply, st);
  const ym = out('', mergedParams(b.tree, st));
  const y0 = out('', st);
  let [diff, moved] = [0, 0];
  y.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - ym[i]));
    moved = Math.max(moved, Math.abs(v - y0[i]));
  });
  expect(diff).toBeLessThan(1e-5);
  expect(moved).toBeGreaterThan(1e-4);
}

describe('lofit', () => {
  it('step 1 starts at the base model and adds l1 * sum |A|', () => {
    expect(Array.from(out('apply lofit_scale(l1: 0.1)'))).toEqual(Array.from(out('')));
    const lossOf = (l1: number) => {
      const b = train(rec(`apply lofit_scale(l1: ${l1})`));
      const st = b.initialValues(1);
      A_NAMES.forEach((n, i) =>
        st.set(
          n,
          Float32Array.from({ length: 16 }, (_, j) => 0.1 * Math.sin(j + 5 * i)),
        ),
      );
      return { l: step(b.graph, st, tokenInputs(4, 8, 16, 1)).loss[0] };
    };
    let l1 = 0;
    for (const n of A_NAMES)
      for (let j = 0; j < 16; j++) l1 += Math.abs(0.1 * Math.sin(j + 5 * A_NAMES.indexOf(n)));
    expect(Math.abs(lossOf(0.5).l - lossOf(0).l - 0.5 * l1)).toBeLessThan(2e-6);
  });

  it('lofit_bias(k:) keeps exactly the K heads of largest trained ||A_h||; step 2 trains K * dh parameters', () => {
    // Trained step-1 scales as the runtime passes them to the next stage (withWeights), by
    // parameter name. Head h of layer l is entries h*8 .. h*8+7 (H = 2 heads of dh = 8).
    const values = new Map(
      A_NAMES.map((n, i) => [
        n,
        Float32Array.from({ length: 16 }, (_, j) => Math.cos(j * 1.3 + i * 2.1) * (j < 8 ? i + 1 : 0.5)),
      ]),
    );
    const norms = A_NAMES.flatMap((n, l) =>
      [0, 1].map((h) => ({
        l,
        h,
        norm: Math.hypot(...Array.from(values.get(n)!.subarray(h * 8, h * 8 + 8))),
      })),
    );
    const stage2 = (k: number) =>
      'import std.methods.lofit\n' +
      gptRecipe(
        `stage one { apply lofit_scale() } stage two { drop lofit_scale; apply lofit_bias(k: ${k}) }`,
      );
    // the k largest norms (ties: lower layer, then head), as a `heads:` literal in layer order
    const topOf = (k: number) =>
      [...norms].sort((a, b) => b.norm - a.norm || a.l - b.l || a.h - b.h).slice(0, k);
    const literal = (k: number) =>
      `[${topOf(k)
        .sort((a, b) => a.l - b.l || a.h - b.h)
        .map((t) => `[${t.l}, ${t.h}]`)
        .join(', ')}]`;
    for (const k of [1, 3, 4]) {
      const top = topOf(k);
      const b = withWeights(values, () => trainStage(stage2(k), 'two'));
      const trainable = b.params.filter((p) => p.trainable);
      // one [count, dh] offset per layer with chosen heads: the count is the top-K's
      for (let l = 0; l < 3; l++) {
        const count = top.filter((t) => t.l === l).length;
        const v = trainable.find((p) => p.name === `blocks.${l}.attn.lofit_v`);
        expect(v?.shape ?? [0, 8]).toEqual([count, 8]);
      }
      expect(trainable.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0)).toBe(k * 8);
      // the same model as naming those heads: equal losses with the same non-zero offsets
      const named = trainStage(
        stage2(0).replace('lofit_bias(k: 0)', `lofit_bias(heads: ${literal(k)})`),
        'two',
      );
      expect(lossWithOffsets(b)).toBe(lossWithOffsets(named));
      // `drop lofit_scale`: stage two is the base model with the offsets only, exactly the
      // one-stage recipe that never applied the scales
      expect(b.params.filter((p) => p.name.includes('lofit_a'))).toEqual([]);
      const only = train(rec(`apply lofit_bias(heads: ${literal(k)})`));
      expect(lossWithOffsets(named)).toBe(lossWithOffsets(only));
    }
    // a stage whose model lacks the scales reads them from the earlier stage by name
    const lit = literal(2);
    const alone = withWeights(values, () => train(rec('apply lofit_bias(k: 2)')));
    const named = train(rec(`apply lofit_bias(heads: ${lit})`));
    expect(lossWithOffsets(alone)).toBe(lossWithOffsets(named));
  });

  it('lofit_bias(k:) without trained scales, and bad group counts, are diagnostics', () => {
    const d = trainDiagnostics('import std.methods.lofit\n' + gptRecipe('apply lofit_bias(k: 2)'));
    expect(d[0]?.message).toMatch(/no parameter `blocks\.0\.attn\.lofit_a`/);
    // group_norms needs a positive count dividing the list length
    const g = trainDiagnostics(
      'method bad() { let n = group_norms([1.0, 2.0, 3.0], 2) }\n' + gptRecipe('apply bad()'),
    );
    expect(g[0]?.message).toMatch(/3 numbers do not split into 2 equal groups/);
  });

  it('step 2 with zero offsets equals the base model; offsets touch only the chosen heads', () => {
    const apply = 'apply lofit_bias(heads: [[0, 1], [2, 0]])';
    expect(Array.from(out(apply))).toEqual(Array.from(out('')));
    const f = forward(rec(apply));
    const st = f.initialValues(1);
    st.set(
      'blocks.0.attn.lofit_v',
      Float32Array.from({ length: 8 }, (_, j) => 0.1 * (j + 1)),
    );
    // equivalent: the same offset written into o's bias as W_o v (v placed at head 1's slots)
    const base = forward(rec(''));
    const bs = base.initialValues(1);
    const w = bs.get('blocks.0.attn.o.weight')!;
    const bias = Float32Array.from(bs.get('blocks.0.attn.o.bias')!);
    for (let r = 0; r < 16; r++) for (let j = 0; j < 8; j++) bias[r] += w[r * 16 + 8 + j] * 0.1 * (j + 1);
    bs.set('blocks.0.attn.o.bias', bias);
    const y = out(apply, st);
    const yr = out('', bs);
    y.forEach((v, i) => expect(Math.abs(v - yr[i])).toBeLessThan(1e-5));
  });

  it('both steps merge into the base weights within 1e-5', () => {
    mergeMatches('apply lofit_scale(l1: 1e-3)');
    mergeMatches('apply lofit_bias(heads: [[0, 1], [1, 0], [2, 1]])');
  });
});

describe('lofit on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('step-2 training equals the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec('apply lofit_bias(heads: [[0, 1], [2, 0]])'), 2, (s) =>
      tokenInputs(4, 8, 16, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
