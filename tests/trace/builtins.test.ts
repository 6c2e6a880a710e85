// Builtins beyond the core tensor ops, called through the builtin table as the tracer does,
// checked against direct loops.
import { describe, expect, it } from 'vitest';
import { builtins } from '../../compiler/trace/builtins.ts';
import * as T from '../../compiler/trace/tensor.ts';
import type { Node } from '../../compiler/ir/node.ts';
import type { BuiltinV, Value } from '../../compiler/trace/values.ts';
import { evalWith, expectClose, leaf, rng } from './helpers.ts';

const span = { file: 't', start: 0, end: 0, line: 1, col: 1 };
const table = builtins({ training: false, seed: () => T.input('seed', [], 'i32'), nextStream: () => 0 });
const call = (name: string, positional: Value[], named: Record<string, Value> = {}) =>
  (table.get(name) as BuiltinV).call({ positional, named: new Map(Object.entries(named)), span }) as Node;

describe('builtins', () => {
  it('argmax picks the first maximum', () => {
    const r = rng(21);
    const x = leaf([3, 4], r);
    x.data[5] = x.data[6] = 5; // a tie in row 1
    const [v] = evalWith([call('argmax', [x.node], { axis: -1 })], [x]);
    const want = [0, 1, 2].map((i) => {
      const row = Array.from(x.data.subarray(i * 4, i * 4 + 4));
      return row.indexOf(Math.max(...row));
    });
    expect(Array.from(v)).toEqual(want);
  });

  it('gather along an axis is torch.gather', () => {
    const r = rng(22);
    const x = leaf([2, 5], r);
    const idx = T.iota([2, 3], 1); // picks columns 0, 1, 2 in each row
    const idx2 = T.sub(T.constant(4, [2, 3], 'i32'), idx); // columns 4, 3, 2
    const [a, b] = evalWith(
      [call('gather', [x.node, idx], { axis: 1 }), call('gather', [x.node, idx2], { axis: 1 })],
      [x],
    );
    const at = (i: number, j: number) => x.data[i * 5 + j];
    expectClose(a, [at(0, 0), at(0, 1), at(0, 2), at(1, 0), at(1, 1), at(1, 2)]);
    expectClose(b, [at(0, 4), at(0, 3), at(0, 2), at(1, 4), at(1, 3), at(1, 2)]);
  });

  it('kl_div of logits matches the definition, and is 0 for equal inputs', () => {
    const r = rng(23);
    const p = leaf([2, 3], r, 2);
    const q = leaf([2, 3], r, 2);
    const [kl, zero] = evalWith([call('kl_div', [p.node, q.node]), call('kl_div', [p.node, p.node])], [p, q]);
    const sm = (row: number[]) => {
      const z = row.reduce((s, v) => s + Math.exp(v), 0);
      return row.map((v) => Math.exp(v) / z);
    };
    let want = 0;
    for (let i = 0; i < 2; i++) {
      const P = sm(Array.from(p.data.subarray(i * 3, i * 3 + 3)));
      const Q = sm(Array.from(q.data.subarray(i * 3, i * 3 + 3)));
      want += P.reduce((s, v, j) => s + v * Math.log(v / Q[j]), 0) / 2;
    }
    expectClose(kl, [want], 1e-5);
    expect(Math.abs(zero[0])).toBeLessThan(1e-6);
  });

  it('causal attention matches a direct computation', () => {
    const r = rng(24);
    const [Tn, D] = [3, 2];
    const q = leaf([Tn, D], r);
    const k = leaf([Tn, D], r);
    const v = leaf([Tn, D], r);
    const [out] = evalWith([call('attention', [q.node, k.node, v.node], { causal: true })], [q, k, v]);
    const want: number[] = [];
    for (let i = 0; i < Tn; i++) {
      const s = Array.from(
        { length: i + 1 },
        (_, j) => (q.data[i * D] * k.data[j * D] + q.data[i * D + 1] * k.data[j * D + 1]) / Math.sqrt(D),
      );
      const z = s.reduce((acc, x) => acc + Math.exp(x), 0);
      for (let d = 0; d < D; d++)
        want.push(s.reduce((acc, x, j) => acc + (Math.exp(x) / z) * v.data[j * D + d], 0));
    }
    expectClose(out, want, 1e-5);
  });

  it('host math stays on the host; clamp, sign and range', () => {
    expect(call('sqrt', [4]) as unknown).toBe(2);
    expect(call('pow', [2, 10]) as unknown).toBe(1024);
    const r = rng(25);
    const x = leaf([5], r, 3);
    const [c, s] = evalWith([call('clamp', [x.node], { min: -1, max: 1 }), call('sign', [x.node])], [x]);
    expectClose(
      c,
      Array.from(x.data, (v) => Math.min(1, Math.max(-1, v))),
    );
    expectClose(s, Array.from(x.data, Math.sign));
    expect(call('range', [2, 5]) as unknown).toEqual({ kind: 'list', items: [2, 3, 4] });
  });
});
