// Test helpers shared by tests/cpu, tests/autodiff and tests/ir: a seeded generator,
// coordinate <-> flat index conversion (written independently of runtime/cpu's strided
// walk, so naive reference computations do not share its code), and leaf builders.

import { mk, type Node } from '../../compiler/ir/node.ts';
import type { DType, Shape } from '../../compiler/ir/ops.ts';

/** mulberry32: a tiny seeded PRNG for test data (not the IR's counter-based RNG). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Coordinates of row-major flat index `i` in `shape`. */
export function coordsOf(i: number, shape: Shape): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return c;
}

/** Row-major flat index of coordinates `c` in `shape`. */
export function flatOf(c: readonly number[], shape: Shape): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + c[d];
  return i;
}

/** Uniform values in [lo, hi). */
export function randArray(rng: () => number, n: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

let inputCounter = 0;
/** A fresh `input` leaf (unique name, so hash-consing never merges two test inputs). */
export function freshInput(shape: Shape, dtype: DType = 'f32', prefix = 'x'): Node<'input'> {
  return mk('input', [], { name: `${prefix}${inputCounter++}` }, { shape, dtype });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return Infinity;
    if (d > m) m = d;
  }
  return m;
}

/** Element-wise |a-b| <= atol + rtol*|b|, with a readable failure message. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok =
      Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i]));
    if (!ok) throw new Error(`element ${i}: got ${a[i]}, expected ${b[i]} (rtol ${rtol}, atol ${atol})`);
  }
}
