// The KV-cache builtins (compiler/trace/decode.ts) against hand-computed values: outside a
// decode step they are the plain operations (same hash-consed nodes); in one, positions are
// offset by `pos`, the mask hides keys after `pos`, kv_cache writes row `pos` and keeps the
// others, and a multi-token kv_cache call is a diagnostic-carrying TraceError.
import { describe, expect, it } from 'vitest';
import type { Node } from '../../compiler/ir/node.ts';
import { decodeBuiltins, setDecode, type DecodeState } from '../../compiler/trace/decode.ts';
import { TraceError } from '../../compiler/trace/errors.ts';
import * as nn from '../../compiler/trace/nn-ops.ts';
import * as T from '../../compiler/trace/tensor.ts';
import type { Value } from '../../compiler/trace/values.ts';
import { evaluateNodes } from '../../runtime/cpu/index.ts';

const span = { file: 't.ftl', start: 0, end: 0, line: 1, col: 1 };
const call = (name: string, ctx: object, ...positional: Value[]) =>
  decodeBuiltins[name]({ positional, named: new Map(), span }, ctx as never) as Node;
const run = (n: Node, inputs: Record<string, Int32Array>, params: Record<string, Float32Array> = {}) =>
  Array.from(
    evaluateNodes([n], {
      inputs: new Map(Object.entries(inputs)),
      params: new Map(Object.entries(params)),
    })[0],
  );

describe('decode builtins', () => {
  it('outside decoding they are the plain operations', () => {
    const ctx = {};
    const x = T.input('x', [1, 2, 3, 4], 'f32');
    expect(call('kv_cache', ctx, x)).toBe(x);
    expect(call('positions', ctx, 5)).toBe(nn.arange(5));
    expect(call('causal_mask', ctx, 3)).toBe(nn.causalBias(3));
    expect(call('rope', ctx, x, 100)).toBe(nn.rope(x, 100));
  });

  it('in a decode step: offset positions, a mask over the cache, and a one-row cache write', () => {
    const ctx = {};
    const d: DecodeState = { pos: T.input('pos', [], 'i32'), maxT: 4, caches: [] };
    setDecode(ctx, d);
    const pos = { pos: Int32Array.of(2) };
    expect(run(call('positions', ctx, 1), pos)).toEqual([2]);
    expect(run(call('causal_mask', ctx, 1), pos)).toEqual([0, 0, 0, -1e9].map(Math.fround));
    // x [1, 1, 1, 2] written at row 2 of a [1, 1, 4, 2] cache.
    const x = T.input('x', [1, 1, 1, 2], 'f32');
    const next = call('kv_cache', ctx, x);
    expect(next.shape).toEqual([1, 1, 4, 2]);
    expect(d.caches).toHaveLength(1);
    expect(d.caches[0].target.arg).toEqual({ name: 'kv_cache.0', role: 'state' });
    const old = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const got = evaluateNodes([next], {
      inputs: new Map<string, Int32Array | Float32Array>([
        ['pos', Int32Array.of(2)],
        ['x', Float32Array.of(-1, -2)],
      ]),
      params: new Map([['kv_cache.0', old]]),
    })[0];
    expect(Array.from(got)).toEqual([1, 2, 3, 4, -1, -2, 7, 8]);
    // RoPE at position 2 equals row 2 of the plain RoPE over 3 positions.
    const q = Float32Array.from([0.3, -0.7, 1.1, 0.5]);
    const one = T.input('q1', [1, 4], 'f32');
    const three = T.input('q3', [3, 4], 'f32');
    const at = evaluateNodes([call('rope', ctx, one, 10000)], {
      inputs: new Map<string, Int32Array | Float32Array>([
        ['pos', Int32Array.of(2)],
        ['q1', q],
      ]),
      params: new Map(),
    })[0];
    const full = evaluateNodes([nn.rope(three, 10000)], {
      inputs: new Map([['q3', Float32Array.from([...q, ...q, ...q])]]),
      params: new Map(),
    })[0];
    Array.from(at).forEach((v, i) => expect(v).toBeCloseTo(full[8 + i], 6));
    // A chunk of more tokens than the cache has rows cannot be written.
    expect(() => call('kv_cache', ctx, T.input('y', [1, 1, 5, 2], 'f32'))).toThrow(TraceError);
    setDecode(ctx, undefined);
    expect(call('kv_cache', ctx, x)).toBe(x);
  });
});
