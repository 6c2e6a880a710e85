// Test helpers: parameter leaves with random data and a CPU evaluation of traced nodes.
import { mk, type Node } from '../../compiler/ir/node.ts';
import { evaluateNodes } from '../../runtime/cpu/index.ts';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Leaf {
  node: Node;
  data: Float32Array;
}

let counter = 0;
export function leaf(shape: number[], r: () => number, scale = 1): Leaf {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n).map(() => (r() * 2 - 1) * scale);
  const node = mk('param', [], { name: `t${counter++}`, role: 'param' }, { shape, dtype: 'f32' });
  return { node, data };
}

export function evalWith(
  nodes: Node[],
  leaves: Leaf[],
  inputs: Map<string, Int32Array | Float32Array> = new Map(),
): Float32Array[] {
  const params = new Map(leaves.map((l) => [(l.node.arg as { name: string }).name, l.data]));
  return evaluateNodes(nodes, { params, inputs }).map((a) => Float32Array.from(a as ArrayLike<number>));
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol * (1 + Math.abs(want[i])))) throw new Error(`index ${i}: got ${got[i]}, want ${want[i]}`);
  }
}
