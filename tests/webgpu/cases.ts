// IR test cases shared by the WebGPU op tests: each builds a small graph with `mk` on
// awkward sizes (1, 3, 7, 33, 257, 1000+, non-multiples of every tile) and fresh
// pseudo-random values for its params (f32) and inputs (i32 / f32).

import { mk, type Node } from '../../compiler/ir/node.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import type { DType, Shape } from '../../compiler/ir/ops.ts';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import { randomF32, randomI32 } from './harness.ts';

export interface Case {
  name: string;
  graph: Graph;
  params: Map<string, TypedArray>;
  inputs: Map<string, TypedArray>;
  /** Relative tolerance (default 1e-5) and absolute floor scale (default 1). */
  rtol?: number;
  floor?: number;
}

let seed = 1;
/** A fresh f32 param leaf and its random value in [lo, hi). */
export class Builder {
  params = new Map<string, TypedArray>();
  inputs = new Map<string, TypedArray>();
  param(name: string, shape: Shape, lo = -1, hi = 1): Node {
    this.params.set(
      name,
      randomF32(
        shape.reduce((a, b) => a * b, 1),
        seed++,
        lo,
        hi,
      ),
    );
    return mk('param', [], { name, role: 'param' }, { shape });
  }
  input(name: string, shape: Shape, dtype: DType, value: TypedArray): Node {
    this.inputs.set(name, value);
    return mk('input', [], { name }, { shape, dtype });
  }
  ints(name: string, shape: Shape, lo: number, hi: number): Node {
    return this.input(
      name,
      shape,
      'i32',
      randomI32(
        shape.reduce((a, b) => a * b, 1),
        seed++,
        lo,
        hi,
      ),
    );
  }
  bools(name: string, shape: Shape): Node {
    const v = randomI32(
      shape.reduce((a, b) => a * b, 1),
      seed++,
      0,
      2,
    );
    return this.input(name, shape, 'bool', v);
  }
  done(name: string, outputs: Record<string, Node>, extra: Partial<Case> = {}): Case {
    return { name, graph: { outputs, updates: [] }, params: this.params, inputs: this.inputs, ...extra };
  }
}

export const c = (value: number, shape: Shape, dtype: DType = 'f32') =>
  mk('const', [], { value }, { shape, dtype });
export const un = (
  op: 'neg' | 'recip' | 'exp' | 'log' | 'sqrt' | 'sin' | 'cos' | 'tanh' | 'abs' | 'detach',
  x: Node,
) => mk(op, [x], null);
export const bin = (
  op: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'lt' | 'eq',
  a: Node,
  b: Node,
) => mk(op, [a, b], null);
export const cast = (x: Node, to: DType) => mk('cast', [x], { to });
/** Broadcast `x` (rank r, size-1 axes where needed) to `shape`. */
export const bcast = (x: Node, shape: Shape) => mk('expand', [x], { shape });

const SIZES: Shape[] = [[1], [3], [7, 33], [257, 5], [1031]];

export function elementwiseCases(): Case[] {
  const out: Case[] = [];
  const unary = ['neg', 'recip', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'abs', 'detach'] as const;
  for (const op of unary)
    for (const s of SIZES) {
      const b = new Builder();
      const positive = op === 'log' || op === 'sqrt' || op === 'recip';
      const x =
        op === 'tanh'
          ? b.param('x', s, -20, 20)
          : positive
            ? b.param('x', s, 0.05, 4)
            : b.param('x', s, -3, 3);
      // Near a zero of the result, transcendental ulp error is absolute, not relative.
      const floor = op === 'log' || op === 'sin' || op === 'cos' ? 1e-2 : undefined;
      out.push(b.done(`${op} [${s}]`, { y: un(op, x) }, { floor }));
    }
  const binary = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'lt', 'eq'] as const;
  for (const op of binary)
    for (const s of SIZES) {
      const b = new Builder();
      const x = op === 'pow' ? b.param('x', s, 0.1, 3) : b.param('x', s);
      const y = op === 'div' ? b.param('y', s, 0.5, 2) : op === 'eq' ? x : b.param('y', s);
      out.push(
        b.done(`${op} f32 [${s}]`, {
          z: op === 'eq' ? bin('eq', x, un('neg', un('neg', y))) : bin(op, x, y),
        }),
      );
      const bi = new Builder();
      const xi = bi.ints('a', s, -50, 50);
      const yi =
        op === 'div'
          ? bi.ints('b', s, 1, 9)
          : op === 'pow'
            ? bi.ints('b', s, 0, 4)
            : bi.ints('b', s, -50, 50);
      out.push(bi.done(`${op} i32 [${s}]`, { z: bin(op, xi, yi) }));
    }
  {
    const b = new Builder();
    const x = b.param('x', [7, 33], -3, 3);
    out.push(
      b.done('pow negative base, integer exponents', {
        a: bin('pow', x, c(2, [7, 33])),
        b: bin('pow', x, c(3, [7, 33])),
        d: bin('pow', x, c(-2, [7, 33])),
        e: bin('pow', x, c(0, [7, 33])),
      }),
    );
  }
  {
    const b = new Builder();
    const x = b.param('x', [257, 3]);
    const m = b.bools('m', [257, 3]);
    const k = b.ints('k', [257, 3], -1000, 1000);
    out.push(
      b.done('where, casts, bool logic', {
        w: mk('where', [m, x, c(-1.5, [257, 3])], null),
        fi: cast(bin('mul', x, c(100, [257, 3])), 'i32'),
        if: cast(k, 'f32'),
        fb: cast(x, 'bool'),
        bf: cast(m, 'f32'),
        bi: cast(m, 'i32'),
        ib: cast(k, 'bool'),
        lt: bin('lt', x, c(0, [257, 3])),
        and: bin('mul', m, bin('lt', x, c(0, [257, 3]))),
        or: bin('max', m, bin('lt', x, c(0, [257, 3]))),
        neg_i: un('neg', k),
        abs_i: un('abs', k),
      }),
    );
  }
  {
    const b = new Builder();
    const s = [33, 7];
    out.push(
      b.done('iota and const', {
        ia: mk('iota', [], { axis: 0 }, { shape: s }),
        ib: mk('iota', [], { axis: 1 }, { shape: s, dtype: 'f32' }),
        k: c(-0.1, s),
        inf: c(-Infinity, [3]),
        ki: c(-7, s, 'i32'),
      }),
    );
  }
  return out;
}
