// Tensor-expression semantics checked against direct loops over the same numbers.
import { describe, expect, it } from 'vitest';
import * as t from '../../compiler/trace/tensor.ts';
import { index } from '../../compiler/trace/index-ops.ts';
import { TraceError } from '../../compiler/trace/errors.ts';
import { evalWith, expectClose, leaf, rng } from './helpers.ts';

describe('broadcasting and promotion', () => {
  it('adds [2,3] + [3] + scalar like numpy', () => {
    const r = rng(1);
    const a = leaf([2, 3], r);
    const b = leaf([3], r);
    const [out] = evalWith([t.add(t.add(a.node, b.node), 2.5)], [a, b]);
    const want = Array.from({ length: 6 }, (_, i) => a.data[i] + b.data[i % 3] + 2.5);
    expectClose(out, want);
  });
  it('broadcasts [4,1] against [1,5]', () => {
    const r = rng(2);
    const a = leaf([4, 1], r);
    const b = leaf([1, 5], r);
    const n = t.mul(a.node, b.node);
    expect(n.shape).toEqual([4, 5]);
    const [out] = evalWith([n], [a, b]);
    expectClose(
      out,
      Array.from({ length: 20 }, (_, k) => a.data[Math.floor(k / 5)] * b.data[k % 5]),
    );
  });
  it('rejects shapes that do not broadcast with a TraceError naming both', () => {
    const r = rng(3);
    const a = leaf([2, 3], r);
    const b = leaf([4], r);
    expect(() => t.add(a.node, b.node)).toThrow(TraceError);
    expect(() => t.add(a.node, b.node)).toThrow(/\[2, 3\] and \[4\]/);
  });
  it('integer division computes in f32', () => {
    const n = t.div(t.iota([3], 0), 2);
    expect(n.dtype).toBe('f32');
    const [out] = evalWith([n], []);
    expectClose(out, [0, 0.5, 1]);
  });
});

describe('matmul', () => {
  const ref = (a: Float32Array, b: Float32Array, M: number, K: number, N: number, ao = 0, bo = 0) =>
    Array.from({ length: M * N }, (_, k) => {
      let s = 0;
      for (let q = 0; q < K; q++) s += a[ao + Math.floor(k / N) * K + q] * b[bo + q * N + (k % N)];
      return s;
    });
  it('[B,T,D] @ W^T flattens the batch', () => {
    const r = rng(4);
    const x = leaf([2, 3, 4], r);
    const w = leaf([5, 4], r);
    const n = t.matmul(x.node, t.transpose(w.node));
    expect(n.shape).toEqual([2, 3, 5]);
    const [out] = evalWith([n], [x, w]);
    const wt = new Float32Array(20);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) wt[j * 5 + i] = w.data[i * 4 + j];
    expectClose(out, ref(x.data, wt, 6, 4, 5));
  });
  it('broadcasts batch axes [2,1,3,4] @ [5,4,2]', () => {
    const r = rng(5);
    const a = leaf([2, 1, 3, 4], r);
    const b = leaf([5, 4, 2], r);
    const n = t.matmul(a.node, b.node);
    expect(n.shape).toEqual([2, 5, 3, 2]);
    const [out] = evalWith([n], [a, b]);
    const want: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 5; j++) want.push(...ref(a.data, b.data, 3, 4, 2, i * 12, j * 8));
    expectClose(out, want);
  });
  it('1-D cases: vector @ matrix, matrix @ vector, dot', () => {
    const r = rng(6);
    const v = leaf([3], r);
    const m = leaf([3, 2], r);
    const m2 = leaf([2, 3], r);
    expect(t.matmul(v.node, m.node).shape).toEqual([2]);
    expect(t.matmul(m2.node, v.node).shape).toEqual([2]);
    expect(t.matmul(v.node, v.node).shape).toEqual([]);
    const [a, b, c] = evalWith(
      [t.matmul(v.node, m.node), t.matmul(m2.node, v.node), t.matmul(v.node, v.node)],
      [v, m, m2],
    );
    expectClose(a, ref(v.data, m.data, 1, 3, 2));
    expectClose(b, ref(m2.data, v.data, 2, 3, 1));
    expectClose(c, [v.data[0] ** 2 + v.data[1] ** 2 + v.data[2] ** 2]);
  });
  it('reports inner-dimension mismatches', () => {
    const r = rng(7);
    expect(() => t.matmul(leaf([2, 3], r).node, leaf([4, 2], r).node)).toThrow(/inner dimensions/);
  });
});

describe('indexing and reductions', () => {
  it('x[:, :-1] and x[:, 1:] and x[1] and x[..., 0]', () => {
    const r = rng(8);
    const x = leaf([2, 4, 3], r);
    const a = index(x.node, [{ kind: 'slice' }, { kind: 'slice', end: -1 }]);
    const b = index(x.node, [{ kind: 'slice' }, { kind: 'slice', start: 1 }]);
    const c = index(x.node, [{ kind: 'int', value: 1 }]);
    const d = index(x.node, [{ kind: 'ellipsis' }, { kind: 'int', value: 0 }]);
    expect([a.shape, b.shape, c.shape, d.shape]).toEqual([
      [2, 3, 3],
      [2, 3, 3],
      [4, 3],
      [2, 4],
    ]);
    const [va, vb, vc, vd] = evalWith([a, b, c, d], [x]);
    const at = (i: number, j: number, k: number) => x.data[i * 12 + j * 3 + k];
    const want = (f: (i: number, j: number, k: number) => number, I: number, J: number, K: number) => {
      const o: number[] = [];
      for (let i = 0; i < I; i++) for (let j = 0; j < J; j++) for (let k = 0; k < K; k++) o.push(f(i, j, k));
      return o;
    };
    expectClose(va, want(at, 2, 3, 3));
    expectClose(
      vb,
      want((i, j, k) => at(i, j + 1, k), 2, 3, 3),
    );
    expectClose(
      vc,
      want((_i, j, k) => at(1, j, k), 1, 4, 3),
    );
    expectClose(
      vd,
      want((_i, i, j) => at(i, j, 0), 1, 2, 4),
    );
    expect(() => index(x.node, [{ kind: 'int', value: 5 }])).toThrow(/out of range/);
  });
  it('sum/mean/max with negative axes and keepdim', () => {
    const r = rng(9);
    const x = leaf([2, 3], r);
    const s = t.sum(x.node, -1);
    const m = t.mean(x.node, 0, true);
    const mx = t.max(x.node);
    expect([s.shape, m.shape, mx.shape]).toEqual([[2], [1, 3], []]);
    const [vs, vm, vmx] = evalWith([s, m, mx], [x]);
    const d = x.data;
    expectClose(vs, [d[0] + d[1] + d[2], d[3] + d[4] + d[5]]);
    expectClose(
      vm,
      [0, 1, 2].map((j) => (d[j] + d[3 + j]) / 2),
    );
    expectClose(vmx, [Math.max(...d)]);
  });
  it('where broadcasts a condition and scalars', () => {
    const r = rng(10);
    const x = leaf([2, 3], r);
    const [v] = evalWith([t.where(t.gt(x.node, 0), x.node, -1)], [x]);
    expectClose(
      v,
      Array.from(x.data, (a) => (a > 0 ? a : -1)),
    );
  });
});
