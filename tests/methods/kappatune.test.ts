// KappaTune (stdlib/methods/kappatune.ftl): condition numbers against an independent
// eigenvalue computation of W^T W (power iteration for the largest and smallest
// eigenvalue), the trained set is the `count` lowest-kappa matrices, and nothing else moves
// (CPU and WebGPU).
import { describe, expect, it } from 'vitest';
import { asMatrix, conditionNumber } from '../../compiler/features/host-linalg.ts';
import { build, changed, runCpu, values, webgpuChangesLikeCpu } from './helpers.ts';

const recipe = `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.kappatune
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  apply kappatune(count: 3, targets: "blocks.*.{attn,mlp}.*.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`;

/** sqrt(lambda_max / lambda_min) of the Gram matrix: power iteration and inverse iteration. */
function refCond(w: Float32Array, rows: number, cols: number): number {
  // The smaller Gram matrix (W^T W, or W W^T for a wide W) holds the min(m, n) sigma^2.
  const at = (i: number, j: number) => (rows >= cols ? w[i * cols + j] : w[j * cols + i]);
  const [m, n] = rows >= cols ? [rows, cols] : [cols, rows];
  const g = new Float64Array(n * n);
  for (let i = 0; i < m; i++)
    for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) g[a * n + c] += at(i, a) * at(i, c);
  const power = (mat: Float64Array) => {
    let x = Float64Array.from({ length: n }, (_, i) => 1 + Math.sin(i));
    let lam = 0;
    for (let it = 0; it < 5000; it++) {
      const y = new Float64Array(n);
      for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) y[a] += mat[a * n + c] * x[c];
      const nrm = Math.hypot(...y);
      lam = y.reduce((s, v, i) => s + v * x[i], 0);
      x = y.map((v) => v / nrm);
    }
    return lam;
  };
  const lmax = power(g);
  // Inverse iteration for lambda_min: x <- G^-1 x by Gaussian elimination, Rayleigh quotient.
  const solve = (b: Float64Array) => {
    const a = Array.from({ length: n }, (_, i) => [...g.subarray(i * n, (i + 1) * n), b[i]]);
    for (let c = 0; c < n; c++) {
      let piv = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
      [a[c], a[piv]] = [a[piv], a[c]];
      for (let r = c + 1; r < n; r++) {
        const f = a[r][c] / a[c][c];
        for (let k = c; k <= n; k++) a[r][k] -= f * a[c][k];
      }
    }
    const x = new Float64Array(n);
    for (let r = n - 1; r >= 0; r--) {
      let t = a[r][n];
      for (let k = r + 1; k < n; k++) t -= a[r][k] * x[k];
      x[r] = t / a[r][r];
    }
    return x;
  };
  let x = Float64Array.from({ length: n }, (_, i) => 1 + Math.cos(i));
  for (let it = 0; it < 300; it++) {
    const y = solve(x);
    const nrm = Math.hypot(...y);
    x = y.map((v) => v / nrm);
  }
  let lmin = 0;
  for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) lmin += x[a] * g[a * n + c] * x[c];
  return Math.sqrt(lmax / lmin);
}

const b = build(recipe);
const init = b.initialValues(0);
const mats = b.params.filter(
  (p) => p.role === 'param' && p.shape.length === 2 && /blocks\.\d\.(attn|mlp)\./.test(p.name),
);

describe('kappatune', () => {
  it('computes condition numbers like the reference and trains the lowest-kappa matrices', () => {
    const kappa = new Map(mats.map((p) => [p.name, refCond(init.get(p.name)!, p.shape[0], p.shape[1])]));
    for (const p of mats) {
      const ours = conditionNumber(asMatrix(init.get(p.name)!, p.shape));
      expect(Math.abs(ours - kappa.get(p.name)!) / kappa.get(p.name)!).toBeLessThan(1e-4);
    }
    const want = [...kappa]
      .sort((x, y) => x[1] - y[1])
      .slice(0, 3)
      .map(([n]) => n)
      .sort();
    expect(
      b.params
        .filter((p) => p.trainable)
        .map((p) => p.name)
        .sort(),
    ).toEqual(want);
    const after = values(b, runCpu(b, 2).store);
    expect(changed(values(b, new Map(init)), after)).toEqual(want);
  });

  webgpuChangesLikeCpu('changes exactly the selected matrices, like the CPU', () => b);
});
