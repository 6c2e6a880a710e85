// The verifier accepts well-formed graphs and names the pass when an invariant breaks.
// Broken nodes are built by hand (bypassing mk), as a buggy pass might.

import { describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { verify, VerifyError } from '../../compiler/ir/verify.ts';
import { freshInput } from '../cpu/util.ts';

const w = mk('param', [], { name: 'v_w', role: 'param' }, { shape: [2, 3] });
const x = freshInput([2, 3]);

/** A node object made without mk. */
const forge = (fields: Partial<Node> & Pick<Node, 'op' | 'shape' | 'src'>): Node =>
  ({ id: 1e9, dtype: 'f32', arg: null, ...fields }) as Node;

describe('verify', () => {
  it('accepts a well-formed training graph', () => {
    const loss = mk('reduce_sum', [mk('mul', [w, x], null)], { axes: [0, 1] });
    expect(() =>
      verify({ outputs: { loss }, updates: [{ target: w, value: mk('add', [w, x], null) }] }, 'trace'),
    ).not.toThrow();
  });
  it('names the pass and the node whose shape disagrees with inference', () => {
    const bad = forge({ op: 'add', shape: [3, 2], src: [w, x] });
    expect(() => verify({ outputs: { bad }, updates: [] }, 'fuse')).toThrow(VerifyError);
    expect(() => verify({ outputs: { bad }, updates: [] }, 'fuse')).toThrow(
      /after pass 'fuse': add#\d+ f32\[3,2\]: op infers f32\[2,3\]/,
    );
  });
  it('reports mk inference failures (mismatched operand shapes)', () => {
    const y = freshInput([3, 2]);
    const bad = forge({ op: 'mul', shape: [2, 3], src: [x, y] });
    expect(() => verify({ outputs: { bad }, updates: [] }, 'simplify')).toThrow(
      /after pass 'simplify'.*shapes differ/,
    );
  });
  it('detects a cycle', () => {
    const a = forge({ op: 'neg', shape: [2, 3], src: [] });
    const b = forge({ op: 'neg', shape: [2, 3], src: [a] });
    (a as unknown as { src: Node[] }).src = [b];
    expect(() => verify({ outputs: { b }, updates: [] }, 'reorder')).toThrow(/after pass 'reorder': cycle/);
  });
  it('checks update targets: a param leaf, once, with matching shape and dtype', () => {
    const value = mk('add', [w, x], null);
    expect(() => verify({ outputs: {}, updates: [{ target: x as never, value }] }, 'autodiff')).toThrow(
      /is not a param leaf/,
    );
    expect(() =>
      verify(
        {
          outputs: {},
          updates: [
            { target: w, value },
            { target: w, value },
          ],
        },
        'autodiff',
      ),
    ).toThrow(/'v_w' is updated twice/);
    const small = mk('reduce_sum', [value], { axes: [0] });
    expect(() => verify({ outputs: {}, updates: [{ target: w, value: small }] }, 'prune')).toThrow(
      /after pass 'prune': update of 'v_w' f32\[2,3\] gets reduce_sum/,
    );
  });
  it('checks leaf arguments', () => {
    const leaf = forge({ op: 'param', shape: [2], src: [], arg: { name: 'p', role: 'frozen' } as never });
    expect(() => verify({ outputs: { leaf }, updates: [] }, 'elaborate')).toThrow(/malformed param argument/);
  });
});
