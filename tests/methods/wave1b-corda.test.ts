// CorDA (stdlib/methods/corda.ftl): the model starts as the base model exactly; the adapter's
// components are the smallest-r (KPA) / largest-r (IPA) singular values of W C, C = X^T X of
// the layer's calibration inputs recomputed here from the data file and the weights, with the
// singular values from an independent Jacobi eigensolver; merge equals the unmerged model; CPU and WebGPU agree.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const [B, T, D, R] = [4, 8, 16, 2];
const rec = (apply: string) => `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.corda
recipe r {
  model = gpt2(vocab: 256, ctx: 8, d: ${D}, heads: 2, layers: 2)
  data = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: ${T}) |> batch(${B})
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 10)
}`;
const inputs = (s: number) => tokenInputs(B, T, 256, s);
const out = (apply: string, st: Store) =>
  evaluate(forward(rec(apply)).graph, { params: st, inputs: inputs(9) }).outputs.output;

/** Singular values of W C (descending), C = X^T X of blocks.0.attn.q's inputs on 2 batches. */
function singularValuesWC(st: Store): number[] {
  const bytes = readFileSync('examples/data/corpus.txt');
  const g = (n: string) => st.get(n) as Float32Array;
  const [wte, wpe, lw, lb] = [
    g('wte.weight'),
    g('wpe.weight'),
    g('blocks.0.ln_1.weight'),
    g('blocks.0.ln_1.bias'),
  ];
  const C = Array.from({ length: D }, () => new Float64Array(D));
  for (let row = 0; row < 2 * B * T; row++) {
    const t = row % T;
    const x = Array.from({ length: D }, (_, i) => wte[bytes[row] * D + i] + wpe[t * D + i]);
    const mu = x.reduce((a, c) => a + c, 0) / D;
    const va = x.reduce((a, c) => a + (c - mu) ** 2, 0) / D;
    const h = x.map((c, i) => ((c - mu) / Math.sqrt(va + 1e-5)) * lw[i] + lb[i]);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) C[i][j] += h[i] * h[j];
  }
  const w = g('blocks.0.attn.q.weight');
  const wc = Array.from({ length: D }, (_, o) =>
    Array.from({ length: D }, (_, j) => C.reduce((a, ci, i) => a + w[o * D + i] * ci[j], 0)),
  );
  return singularValues(wc);
}

/**
 * Singular values of A, descending, as sqrt of the eigenvalues of A A^T found by the classical
 * (two-sided) cyclic Jacobi eigenvalue method in float64: an algorithm independent of the
 * one-sided Jacobi SVD in compiler/features/host-linalg.ts.
 */
function singularValues(a: number[][]): number[] {
  const n = a.length;
  const m = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => a[i].reduce((s, x, k) => s + x * a[j][k], 0)),
  );
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [mkp, mkq] = [m[k][p], m[k][q]];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const [mpk, mqk] = [m[p][k], m[q][k]];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
      }
  }
  return m.map((row, i) => Math.sqrt(Math.max(0, row[i]))).sort((x, y) => y - x);
}

describe('corda', () => {
  it('starts as the base model exactly', () => {
    const st = train(rec('apply corda(r: 2)')).initialValues(0);
    expect(Array.from(out('apply corda(r: 2)', st))).toEqual(Array.from(out('', st)));
  });

  for (const mode of ['kpa', 'ipa'])
    it(`${mode}: the adapter holds the ${mode === 'kpa' ? 'smallest' : 'largest'}-r singular values of W C (Jacobi eigen oracle)`, () => {
      const st = train(rec(`apply corda(r: ${R}, mode: "${mode}")`)).initialValues(0);
      const s = singularValuesWC(st);
      const want = mode === 'kpa' ? s.slice(D - R) : s.slice(0, R);
      // B = U_r S_r: its column norms are the chosen singular values
      const b = st.get('blocks.0.attn.q.corda_b')!;
      const norms = Array.from({ length: R }, (_, c) =>
        Math.sqrt(Array.from({ length: D }, (_, o) => b[o * R + c] ** 2).reduce((x, y) => x + y, 0)),
      );
      norms.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-4 * want[0] + 1e-6));
    });

  it('merges into the base weights within 1e-5', () => {
    const apply = `apply corda(r: ${R}, mode: "ipa")`;
    const b = train(rec(apply));
    const st = b.initialValues(0);
    for (let s = 1; s <= 3; s++) step(b.graph, st, inputs(s));
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
  });
});

describe('corda on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(`apply corda(r: ${R})`), 2, inputs);
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
