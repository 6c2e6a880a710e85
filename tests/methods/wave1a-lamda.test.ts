// LaMDA (stdlib/methods/lamda.ftl) and the host SVD init (compiler/features/host-init.ts,
// spectral.ts): A = V_r^T and B = U_r satisfy the SVD equations of the pretrained weight;
// S = 0 starts at the base model exactly; A stays bit-identical; after `lamda_freeze_b`
// (second stage) B is bit-identical while S changes; merge reproduces the adapter model to
// 1e-5; a WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  logits,
  maxAbsDiff,
  tiny,
  type Store,
} from './wave1a-helpers.ts';

const R = 4;
const apply = `apply lamda(r: ${R}, scale: 2.0)`;
const staged = tiny(apply, {
  imports: ['lamda'],
  extra: 'stage warm { train(steps: 3) }\n  stage rest { apply lamda_freeze_b; train(steps: 3) }',
});
const build = (stage: string) =>
  buildTrainingGraph(
    { file: 'examples/inline.ftl', program: parse(staged, 'x').ast },
    { parse, stage },
  ) as TrainingBuild;
const Q = 'blocks.0.attn.q';

describe('lamda', () => {
  it('A and B are the top singular vectors of W (W^T W a = s^2 a, W a = s b), descending', () => {
    const p = build('warm').initialValues(0);
    const w = p.get(`${Q}.weight`) as Float32Array; // [16, 16]
    const a = p.get(`${Q}.lamda_a`) as Float32Array; // [R, 16]
    const b = p.get(`${Q}.lamda_b`) as Float32Array; // [16, R]
    const n = 16;
    let prev = Infinity;
    for (let k = 0; k < R; k++) {
      const v = a.subarray(k * n, (k + 1) * n);
      const wv = Array.from({ length: n }, (_, i) => v.reduce((acc, x, j) => acc + w[i * n + j] * x, 0));
      const s = Math.hypot(...wv);
      expect(s).toBeLessThanOrEqual(prev + 1e-6);
      prev = s;
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      for (let i = 0; i < n; i++) expect(Math.abs(wv[i] / s - b[i * R + k])).toBeLessThan(1e-4);
      // W^T (W v) = s^2 v
      for (let j = 0; j < n; j++) {
        const wtwv = wv.reduce((acc, x, i) => acc + w[i * n + j] * x, 0);
        expect(Math.abs(wtwv - s * s * v[j])).toBeLessThan(1e-4 * (1 + s * s));
      }
    }
    // v_1 is the top direction: no unit vector gives a larger |W x| (spot-check basis vectors).
    for (let j = 0; j < n; j++) {
      const col = Math.hypot(...Array.from({ length: n }, (_, i) => w[i * n + j]));
      expect(col).toBeLessThanOrEqual(
        Math.hypot(
          ...Array.from({ length: n }, (_, i) =>
            a.subarray(0, n).reduce((acc, x, jj) => acc + w[i * n + jj] * x, 0),
          ),
        ) + 1e-6,
      );
    }
  });

  it('starts at the base model exactly; A frozen, B frozen after the stage boundary, S trains; merge to 1e-5', () => {
    const warm = build('warm');
    const p0 = warm.initialValues(0);
    const fwd = forward(tiny(apply, { imports: ['lamda'] }));
    const y0 = logits(fwd, p0, batchInputs(4, 8, 0));
    expect(Array.from(y0)).toEqual(Array.from(logits(forward(tiny('')), p0, batchInputs(4, 8, 0))));

    const store: Store = new Map(p0);
    for (let s = 1; s <= 3; s++) step(warm.graph, store, batchInputs(4, 8, s, s));
    expect(store.get(`${Q}.lamda_a`)).toEqual(p0.get(`${Q}.lamda_a`));
    expect(maxAbsDiff(store.get(`${Q}.lamda_b`)!, p0.get(`${Q}.lamda_b`)!)).toBeGreaterThan(0);

    const rest = build('rest');
    const s2: Store = new Map(rest.initialValues(0));
    for (const k of s2.keys()) if (store.has(k)) s2.set(k, store.get(k)!);
    const b1 = s2.get(`${Q}.lamda_b`)!.slice();
    const sBefore = s2.get(`${Q}.lamda_s`)!.slice();
    for (let s = 4; s <= 6; s++) step(rest.graph, s2, batchInputs(4, 8, s, s));
    expect(s2.get(`${Q}.lamda_b`)).toEqual(b1);
    expect(s2.get(`${Q}.lamda_a`)).toEqual(p0.get(`${Q}.lamda_a`));
    expect(maxAbsDiff(s2.get(`${Q}.lamda_s`)!, sBefore)).toBeGreaterThan(0);

    const y = logits(fwd, s2, batchInputs(4, 8, 9));
    const ym = logits(forward(tiny('')), mergedParams(rest.tree, s2), batchInputs(4, 8, 9));
    expect(maxAbsDiff(y, ym)).toBeLessThan(1e-5);
    expect(maxAbsDiff(y, logits(forward(tiny('')), s2, batchInputs(4, 8, 9)))).toBeGreaterThan(1e-4);
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    const b = buildTrainingGraph(
      {
        file: 'examples/inline.ftl',
        program: parse(tiny(apply, { imports: ['lamda'], layers: 1 }), 'x').ast,
      },
      { parse },
    ) as TrainingBuild;
    await gpuStepMatchesCpu(h, b, batchInputs(4, 8, 4, 1));
  });
});
