// Every CPU op against a naive computation written with explicit coordinates (util.ts),
// independent of the executor's strided walks.

import { describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { Shape } from '../../compiler/ir/ops.ts';
import { evaluateNodes, type TypedArray } from '../../runtime/cpu/index.ts';
import { coordsOf, expectClose, flatOf, freshInput, randArray, seeded, size } from './util.ts';

const rng = seeded(1234);

/** Evaluate `out` with the given input leaves bound. */
function run(out: Node, bind: [Node, ArrayLike<number>][], precision: 'f32' | 'f64' = 'f64'): TypedArray {
  const inputs = new Map<string, TypedArray>();
  for (const [n, v] of bind) {
    const arr = n.dtype === 'f32' ? Float64Array.from(v) : Int32Array.from(v);
    inputs.set((n.arg as { name: string }).name, arr);
  }
  return evaluateNodes([out], { params: new Map(), inputs }, { precision })[0];
}

/** Naive out[c] = f(c) over `shape`. */
function tabulate(shape: Shape, f: (c: number[]) => number): number[] {
  return Array.from({ length: size(shape) }, (_, i) => f(coordsOf(i, shape)));
}

describe('elementwise', () => {
  const shape = [3, 7];
  const unary: [string, (x: number) => number, number, number][] = [
    ['neg', (x) => -x, -2, 2],
    ['recip', (x) => 1 / x, 0.5, 3],
    ['exp', Math.exp, -2, 2],
    ['log', Math.log, 0.1, 4],
    ['sqrt', Math.sqrt, 0, 4],
    ['sin', Math.sin, -3, 3],
    ['cos', Math.cos, -3, 3],
    ['tanh', Math.tanh, -3, 3],
    ['abs', Math.abs, -2, 2],
    ['detach', (x) => x, -2, 2],
  ];
  for (const [op, f, lo, hi] of unary) {
    it(`${op} (f32 rounds each result)`, () => {
      const x = freshInput(shape);
      const xv = randArray(rng, 21, lo, hi);
      const got = run(mk(op as 'neg', [x], null), [[x, xv]], 'f32');
      expect(got).toBeInstanceOf(Float32Array);
      expect(Array.from(got)).toEqual(Array.from(xv, (v) => Math.fround(f(Math.fround(v)))));
    });
  }
  const binary: [string, (a: number, b: number) => number][] = [
    ['add', (a, b) => a + b],
    ['sub', (a, b) => a - b],
    ['mul', (a, b) => a * b],
    ['div', (a, b) => a / b],
    ['max', Math.max],
    ['min', Math.min],
    ['pow', Math.pow],
    ['lt', (a, b) => +(a < b)],
    ['eq', (a, b) => +(a === b)],
  ];
  for (const [op, f] of binary) {
    it(op, () => {
      const [a, b] = [freshInput(shape), freshInput(shape)];
      const av = randArray(rng, 21, 0.1, 2);
      const bv = randArray(rng, 21, 0.1, 2);
      bv[3] = av[3]; // one tie for eq/max/min
      const got = run(mk(op as 'add', [a, b], null), [
        [a, av],
        [b, bv],
      ]);
      if (op === 'lt' || op === 'eq') expect(got).toBeInstanceOf(Uint8Array);
      expect(Array.from(got)).toEqual(Array.from(av, (v, i) => f(v, bv[i])));
    });
  }
  it('i32 arithmetic wraps, divides toward zero, x/0 = x', () => {
    const shape1 = [4];
    const [a, b] = [freshInput(shape1, 'i32'), freshInput(shape1, 'i32')];
    const av = [2147483647, -7, 7, 5];
    const bv = [1, 2, -2, 0];
    expect(
      Array.from(
        run(mk('add', [a, b], null), [
          [a, av],
          [b, bv],
        ]),
      ),
    ).toEqual([-2147483648, -5, 5, 5]);
    expect(
      Array.from(
        run(mk('div', [a, b], null), [
          [a, av],
          [b, bv],
        ]),
      ),
    ).toEqual([2147483647, -3, -3, 5]);
    expect(
      Array.from(
        run(mk('mul', [a, b], null), [
          [a, av],
          [b, bv],
        ]),
      ),
    ).toEqual([2147483647, -14, -14, 0]);
  });
  it('cast: f32 -> i32 truncates and saturates; -> bool is x != 0; bool -> f32 is 0/1', () => {
    const x = freshInput([6]);
    const xv = [1.7, -1.7, 3e10, -3e10, NaN, 0];
    expect(Array.from(run(mk('cast', [x], { to: 'i32' }), [[x, xv]]))).toEqual([
      1, -1, 2147483647, -2147483648, 0, 0,
    ]);
    const bool = mk('cast', [x], { to: 'bool' });
    expect(Array.from(run(bool, [[x, xv]]))).toEqual([1, 1, 1, 1, 1, 0]);
    expect(Array.from(run(mk('cast', [bool], { to: 'f32' }), [[x, xv]]))).toEqual([1, 1, 1, 1, 1, 0]);
  });
  it('where selects by a bool condition', () => {
    const [a, b, c] = [freshInput(shape), freshInput(shape), freshInput(shape)];
    const [av, bv, cv] = [randArray(rng, 21), randArray(rng, 21), randArray(rng, 21)];
    const cond = mk('lt', [c, mk('const', [], { value: 0 }, { shape })], null);
    const got = run(mk('where', [cond, a, b], null), [
      [a, av],
      [b, bv],
      [c, cv],
    ]);
    expect(Array.from(got)).toEqual(Array.from(av, (v, i) => (cv[i] < 0 ? v : bv[i])));
  });
});

describe('leaves', () => {
  it('const fills, iota counts along its axis', () => {
    expect(Array.from(run(mk('const', [], { value: 2.5 }, { shape: [2, 3] }), []))).toEqual([
      2.5, 2.5, 2.5, 2.5, 2.5, 2.5,
    ]);
    const shape = [2, 3, 4];
    for (const axis of [0, 1, 2]) {
      const got = run(mk('iota', [], { axis }, { shape }), []);
      expect(Array.from(got)).toEqual(tabulate(shape, (c) => c[axis]));
    }
  });
});

describe('reductions (keepdims)', () => {
  const shape = [3, 4, 5];
  const xv = randArray(rng, 60);
  for (const axes of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
    it(`reduce_sum / reduce_max over [${axes}]`, () => {
      const x = freshInput(shape);
      const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const fold = (f: (a: number, b: number) => number, init: number) =>
        tabulate(outShape, (c) => {
          let acc = init;
          for (let i = 0; i < 60; i++) {
            const ci = coordsOf(i, shape);
            if (ci.every((v, d) => axes.includes(d) || v === c[d])) acc = f(acc, xv[i]);
          }
          return acc;
        });
      expectClose(
        run(mk('reduce_sum', [x], { axes }), [[x, xv]]),
        fold((a, b) => a + b, 0),
        1e-12,
        1e-12,
      );
      expect(Array.from(run(mk('reduce_max', [x], { axes }), [[x, xv]]))).toEqual(fold(Math.max, -Infinity));
    });
  }
});

describe('movement', () => {
  const shape = [2, 3, 4];
  const xv = randArray(rng, 24);
  const x = freshInput(shape);
  it('reshape keeps row-major order', () => {
    expect(Array.from(run(mk('reshape', [x], { shape: [4, 6] }), [[x, xv]]))).toEqual(Array.from(xv));
  });
  it('permute', () => {
    const perm = [2, 0, 1];
    const outShape = perm.map((p) => shape[p]);
    const want = tabulate(outShape, (c) => {
      const src = [0, 0, 0];
      perm.forEach((p, k) => (src[p] = c[k]));
      return xv[flatOf(src, shape)];
    });
    expect(Array.from(run(mk('permute', [x], { perm }), [[x, xv]]))).toEqual(want);
  });
  it('expand [3,1] -> [3,7] and [1,5] -> [4,5]', () => {
    for (const [from, to] of [
      [
        [3, 1],
        [3, 7],
      ],
      [
        [1, 5],
        [4, 5],
      ],
      [
        [1, 1],
        [2, 3],
      ],
    ]) {
      const y = freshInput(from);
      const yv = randArray(rng, size(from));
      const want = tabulate(
        to,
        (c) =>
          yv[
            flatOf(
              c.map((v, d) => (from[d] === 1 ? 0 : v)),
              from,
            )
          ],
      );
      expect(Array.from(run(mk('expand', [y], { shape: to }), [[y, yv]]))).toEqual(want);
    }
  });
  it('slice', () => {
    const starts = [1, 0, 1];
    const ends = [2, 3, 4];
    const want = tabulate(
      [1, 3, 3],
      (c) =>
        xv[
          flatOf(
            c.map((v, d) => v + starts[d]),
            shape,
          )
        ],
    );
    expect(Array.from(run(mk('slice', [x], { starts, ends }), [[x, xv]]))).toEqual(want);
  });
  it('pad with zeros', () => {
    const before = [0, 1, 2];
    const after = [1, 0, 1];
    const outShape = shape.map((d, i) => before[i] + d + after[i]);
    const want = tabulate(outShape, (c) => {
      const s = c.map((v, d) => v - before[d]);
      return s.every((v, d) => v >= 0 && v < shape[d]) ? xv[flatOf(s, shape)] : 0;
    });
    expect(Array.from(run(mk('pad', [x], { before, after }), [[x, xv]]))).toEqual(want);
  });
  it('concat along the middle axis', () => {
    const y = freshInput([2, 1, 4]);
    const yv = randArray(rng, 8);
    const want = tabulate([2, 4, 4], (c) =>
      c[1] < 3 ? xv[flatOf(c, shape)] : yv[flatOf([c[0], 0, c[2]], [2, 1, 4])],
    );
    expect(
      Array.from(
        run(mk('concat', [x, y], { axis: 1 }), [
          [x, xv],
          [y, yv],
        ]),
      ),
    ).toEqual(want);
  });
});

describe('matmul, gather, scatter_add', () => {
  it('batched matmul [2,3,5] @ [2,5,4]', () => {
    const [a, b] = [freshInput([2, 3, 5]), freshInput([2, 5, 4])];
    const [av, bv] = [randArray(rng, 30), randArray(rng, 40)];
    const want = tabulate([2, 3, 4], ([t, i, j]) => {
      let s = 0;
      for (let k = 0; k < 5; k++) s += av[flatOf([t, i, k], [2, 3, 5])] * bv[flatOf([t, k, j], [2, 5, 4])];
      return s;
    });
    expectClose(
      run(mk('matmul', [a, b], null), [
        [a, av],
        [b, bv],
      ]),
      want,
      1e-12,
      1e-12,
    );
  });
  it('gather rows of a [5,3] table by i32[2,2] indices', () => {
    const t = freshInput([5, 3]);
    const tv = randArray(rng, 15);
    const idx = freshInput([2, 2], 'i32');
    const iv = [4, 0, 4, 2];
    const want = tabulate([2, 2, 3], ([i, j, r]) => tv[iv[i * 2 + j] * 3 + r]);
    expect(
      Array.from(
        run(mk('gather', [t, idx], null), [
          [t, tv],
          [idx, iv],
        ]),
      ),
    ).toEqual(want);
    expect(() =>
      run(mk('gather', [t, idx], null), [
        [t, tv],
        [idx, [5, 0, 0, 0]],
      ]),
    ).toThrow(/out of range/);
  });
  it('scatter_add accumulates repeated indices', () => {
    const idx = freshInput([4], 'i32');
    const u = freshInput([4, 3]);
    const iv = [1, 3, 1, 0];
    const uv = randArray(rng, 12);
    const want = tabulate([5, 3], ([r, c]) => iv.reduce((s, j, i) => s + (j === r ? uv[i * 3 + c] : 0), 0));
    expectClose(
      run(mk('scatter_add', [idx, u], { rows: 5 }), [
        [idx, iv],
        [u, uv],
      ]),
      want,
      1e-12,
      1e-12,
    );
  });
});
