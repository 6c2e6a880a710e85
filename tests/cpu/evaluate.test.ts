// Executor surface: graphs with outputs and updates, step(), errors naming the tensor,
// precision modes, bool storage, and the counter-based RNG (checked against an
// independent BigInt transcription of the documented hash).

import { describe, expect, it } from 'vitest';
import { mk } from '../../compiler/ir/node.ts';
import { evaluate, evaluateNodes, step, type TypedArray } from '../../runtime/cpu/index.ts';
import { hash3, normal, uniform } from '../../runtime/rng.ts';

const M32 = (1n << 32n) - 1n;
// lowbias32 written with BigInt arithmetic, from the header of runtime/rng.ts.
function mixBig(x: bigint): bigint {
  x ^= x >> 16n;
  x = (x * 0x7feb352dn) & M32;
  x ^= x >> 15n;
  x = (x * 0x846ca68bn) & M32;
  x ^= x >> 16n;
  return x;
}
const hashBig = (seed: number, stream: number, index: number): number => {
  const a = mixBig((BigInt(seed >>> 0) ^ 0x9e3779b9n) & M32);
  const b = mixBig(a ^ BigInt(stream));
  return Number(mixBig((b + BigInt(index)) & M32));
};

describe('rng', () => {
  it('hash3 matches a BigInt transcription of the spec', () => {
    for (const [s, st, i] of [
      [0, 0, 0],
      [1, 2, 3],
      [-1, 7, 4294967295],
      [123456789, 0, 99],
    ]) {
      expect(hash3(s >>> 0, st, i >>> 0)).toBe(hashBig(s, st, i));
    }
  });
  it('uniform is in [0,1), exact in f32, with mean ~1/2; normal has mean ~0, variance ~1', () => {
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const u = uniform(5, 1, i);
      expect(u >= 0 && u < 1 && Math.fround(u) === u).toBe(true);
      su += u;
      const z = normal(5, 1, i);
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / N - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(sn / N)).toBeLessThan(0.03);
    expect(Math.abs(sn2 / N - 1)).toBeLessThan(0.05);
  });
  it('a rand node is the flat-index stream of its seed; streams and seeds differ', () => {
    const seed = mk('input', [], { name: 'seed' }, { shape: [], dtype: 'i32' });
    const r = mk('rand', [seed], { stream: 3, dist: 'uniform' }, { shape: [2, 5] });
    const r2 = mk('rand', [seed], { stream: 4, dist: 'uniform' }, { shape: [2, 5] });
    const n = mk('rand', [seed], { stream: 3, dist: 'normal' }, { shape: [7] });
    const env = { params: new Map(), inputs: new Map([['seed', new Int32Array([-5])]]) };
    const [rv, r2v, nv] = evaluateNodes([r, r2, n], env, { precision: 'f64' });
    expect(Array.from(rv)).toEqual(Array.from({ length: 10 }, (_, i) => (hashBig(-5, 3, i) >>> 8) / 2 ** 24));
    expect(Array.from(r2v)).not.toEqual(Array.from(rv));
    expect(Array.from(nv)).toEqual(Array.from({ length: 7 }, (_, i) => normal(-5 >>> 0, 3, i)));
  });
});

describe('evaluate / step', () => {
  const w = mk('param', [], { name: 'w', role: 'param' }, { shape: [3] });
  const m = mk('param', [], { name: 'm', role: 'state' }, { shape: [3] });
  const x = mk('input', [], { name: 'xs' }, { shape: [3] });
  const lr = mk('const', [], { value: 0.1 }, { shape: [3] });
  const loss = mk('reduce_sum', [mk('mul', [w, x], null)], { axes: [0] });
  // SGD with momentum on loss = sum(w*x): grad = x. m' = m + x; w' = w - lr*m'.
  const m2 = mk('add', [m, x], null);
  const graph = {
    outputs: { loss },
    updates: [
      { target: m, value: m2 },
      { target: w, value: mk('sub', [w, mk('mul', [lr, m2], null)], null) },
    ],
  };

  it('updates are computed from old values and written after the step', () => {
    const store = new Map<string, TypedArray>([
      ['w', new Float32Array([1, 2, 3])],
      ['m', new Float32Array(3)],
    ]);
    const inputs = new Map([['xs', new Float32Array([1, -1, 2])]]);
    const out1 = step(graph, store, inputs);
    expect(out1.loss[0]).toBe(1 - 2 + 6);
    expect(Array.from(store.get('m')!)).toEqual([1, -1, 2]);
    expect(Array.from(store.get('w')!)).toEqual([1 - 0.1, 2 + 0.1, 3 - 0.2].map(Math.fround));
    step(graph, store, inputs);
    expect(Array.from(store.get('m')!)).toEqual([2, -2, 4]);
    const w2 = [0.9, 2.1, 2.8]
      .map(Math.fround)
      .map((v, i) => Math.fround(v - Math.fround(0.1 * [2, -2, 4][i])));
    expect(Array.from(store.get('w')!)).toEqual(w2);
  });
  it('missing or mis-sized tensors are named', () => {
    const params = new Map<string, TypedArray>([
      ['w', new Float32Array(3)],
      ['m', new Float32Array(3)],
    ]);
    expect(() => evaluate(graph, { params })).toThrow(/missing input 'xs' \(f32\[3\]\)/);
    expect(() =>
      evaluate(graph, {
        params: new Map([['m', new Float32Array(3)]]),
        inputs: new Map([['xs', new Float32Array(3)]]),
      }),
    ).toThrow(/missing param 'w'/);
    expect(() => evaluate(graph, { params, inputs: new Map([['xs', new Float32Array(4)]]) })).toThrow(
      /input 'xs' .* 4 elements, expected 3/,
    );
  });
  it('f64 precision keeps f32 tensors in Float64Array', () => {
    const params = new Map<string, TypedArray>([
      ['w', new Float32Array([1, 2, 3])],
      ['m', new Float32Array(3)],
    ]);
    const r = evaluate(
      graph,
      { params, inputs: new Map([['xs', new Float64Array([0.1, 0.2, 0.3])]]) },
      { precision: 'f64' },
    );
    expect(r.outputs.loss).toBeInstanceOf(Float64Array);
    expect(r.outputs.loss[0]).toBeCloseTo(0.1 + 0.4 + 0.9, 14);
    expect(r.updates.get('w')).toBeInstanceOf(Float64Array);
  });
});
