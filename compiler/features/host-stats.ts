// Correlation statistics over host lists, for method bodies that compare what a
// calibration pass computed (`host_eval(...)` lists) with a per-example quantity: which
// layer's hidden states carry a signal (prior-layer fine-tuning localises the layers whose
// representations correlate with a response's prior probability).
//
//   pearson(xs, ys) -> float                Pearson correlation of two equal-length lists
//   column_correlations(rows, ys) -> [float]  rows: n*d numbers (n rows of d, row-major,
//       as host_eval of an [n, d] tensor), ys: n numbers; Pearson r of every column with ys
//   probe_r2(rows, ys, ridge: 1e-3) -> float  R^2 of a ridge linear probe with intercept
//       predicting ys from the rows: w = (Xc^T Xc + ridge * n * I)^-1 Xc^T yc on centred
//       X, y; R^2 = 1 - |yc - Xc w|^2 / |yc|^2 (in-sample; ridge > 0 keeps it defined
//       when n <= d, where an unregularised fit would reach 1 for every layer)
//
// A constant list has no correlation: 0 is returned rather than NaN, so rankings stay
// defined. Everything is float64.

import { arg, num } from '../trace/args.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import { list, typeName, type Args, type Scope, type Value } from '../trace/values.ts';

/** Pearson correlation of xs and ys (0 when either is constant). */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] / n;
    my += ys[i] / n;
  }
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** Column j of a row-major [n, d] array. */
const column = (rows: ArrayLike<number>, n: number, d: number, j: number) =>
  Float64Array.from({ length: n }, (_, i) => rows[i * d + j]);

/** In-sample R^2 of a ridge probe with intercept (see the header). rows [n, d], ys [n]. */
export function probeR2(rows: ArrayLike<number>, ys: ArrayLike<number>, d: number, ridge: number): number {
  const n = ys.length;
  const mx = Array.from({ length: d }, (_, j) => column(rows, n, d, j).reduce((a, b) => a + b, 0) / n);
  const my = Array.from(ys).reduce((a, b) => a + b, 0) / n;
  const xc = (i: number, j: number) => rows[i * d + j] - mx[j];
  // Normal equations A w = b, A = Xc^T Xc + ridge n I (d, d), b = Xc^T yc (d).
  const A = Array.from({ length: d }, (_, j) => new Float64Array(d + 1));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const xij = xc(i, j);
      for (let k = 0; k < d; k++) A[j][k] += xij * xc(i, k);
      A[j][d] += xij * (ys[i] - my);
    }
  for (let j = 0; j < d; j++) A[j][j] += ridge * n;
  const w = solve(A, d);
  let sse = 0,
    sst = 0;
  for (let i = 0; i < n; i++) {
    let pred = 0;
    for (let j = 0; j < d; j++) pred += xc(i, j) * w[j];
    sse += (ys[i] - my - pred) ** 2;
    sst += (ys[i] - my) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : 0;
}

/** Gaussian elimination with partial pivoting on the augmented [d, d + 1] system. */
function solve(A: Float64Array[], d: number): Float64Array {
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    const piv = A[c][c];
    if (piv === 0) continue; // a zero column (constant feature): its weight stays 0
    for (let r = c + 1; r < d; r++) {
      const f = A[r][c] / piv;
      if (f !== 0) for (let k = c; k <= d; k++) A[r][k] -= f * A[c][k];
    }
  }
  const w = new Float64Array(d);
  for (let c = d - 1; c >= 0; c--) {
    let s = A[c][d];
    for (let k = c + 1; k < d; k++) s -= A[c][k] * w[k];
    w[c] = A[c][c] === 0 ? 0 : s / A[c][c];
  }
  return w;
}

function numbers(a: Args, i: number, name: string): number[] {
  const v = arg(a, i, name);
  if (
    typeof v === 'object' &&
    v !== null &&
    'kind' in v &&
    v.kind === 'list' &&
    v.items.every((x) => typeof x === 'number')
  )
    return v.items as number[];
  return err(
    TraceCodes.badArgument,
    `\`${name}\` must be a list of numbers (e.g. host_eval(x)), got ${v === undefined ? 'nothing' : typeName(v)}`,
    a.span,
  );
}

/** rows and ys with rows.length = n * d, n = ys.length >= 2. */
function rowsAndYs(a: Args): { rows: number[]; ys: number[]; d: number } {
  const rows = numbers(a, 0, 'rows');
  const ys = numbers(a, 1, 'ys');
  const d = rows.length / Math.max(1, ys.length);
  if (ys.length < 2 || !Number.isInteger(d) || d < 1)
    err(
      TraceCodes.badArgument,
      `\`rows\` must hold n * d numbers for n = ${ys.length} examples (>= 2), got ${rows.length}`,
      a.span,
    );
  return { rows, ys, d };
}

/** Define the statistics builtins in a method's scope. */
export function defineHostStatsBuiltins(scope: Scope): void {
  const def = (name: string, call: (a: Args) => Value) => scope.define(name, { kind: 'builtin', name, call });
  def('pearson', (a) => {
    const xs = numbers(a, 0, 'xs');
    const ys = numbers(a, 1, 'ys');
    if (xs.length !== ys.length || xs.length < 2)
      err(
        TraceCodes.badArgument,
        `pearson needs two lists of one length >= 2, got ${xs.length} and ${ys.length}`,
        a.span,
      );
    return pearson(xs, ys);
  });
  def('column_correlations', (a) => {
    const { rows, ys, d } = rowsAndYs(a);
    return list(Array.from({ length: d }, (_, j) => pearson(column(rows, ys.length, d, j), ys)));
  });
  def('probe_r2', (a) => {
    const { rows, ys, d } = rowsAndYs(a);
    const ridge = num(a, 2, 'ridge', 1e-3);
    if (!(ridge >= 0)) err(TraceCodes.badArgument, '`ridge` must be >= 0', a.span);
    return probeR2(rows, ys, d, ridge);
  });
}
