// A 2-layer MLP training graph built with `mk` directly: forward, a hand-written backward
// and an SGD update of every parameter.
//
//   x: (B, D)  W1: (D, H)  b1: (H)  W2: (H, O)  b2: (O)  y: (B, O)
//   h = tanh(x W1 + b1);  p = h W2 + b2;  loss = sum((p - y)^2) / (B O)

import { mk, type Node } from '../../compiler/ir/node.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import type { Shape } from '../../compiler/ir/ops.ts';

export const [B, D, H, O] = [7, 5, 33, 3];
const LR = 0.1;

const param = (name: string, shape: Shape) => mk('param', [], { name, role: 'param' }, { shape });
const k = (v: number, shape: Shape) => mk('const', [], { value: v }, { shape });
const mm = (a: Node, b: Node) => mk('matmul', [a, b], null);
const t = (a: Node) => mk('permute', [a], { perm: [1, 0] });
const rowBias = (b: Node, rows: number) =>
  mk('expand', [mk('reshape', [b], { shape: [1, b.shape[0]] })], { shape: [rows, b.shape[0]] });
const colSum = (a: Node) => mk('reshape', [mk('reduce_sum', [a], { axes: [0] })], { shape: [a.shape[1]] });
const sgd = (w: Node, g: Node) => mk('sub', [w, mk('mul', [g, k(LR, w.shape)], null)], null);

export function mlp(): Graph {
  const x = mk('input', [], { name: 'x' }, { shape: [B, D] });
  const y = mk('input', [], { name: 'y' }, { shape: [B, O] });
  const [W1, b1, W2, b2] = [param('W1', [D, H]), param('b1', [H]), param('W2', [H, O]), param('b2', [O])];
  const h = mk('tanh', [mk('add', [mm(x, W1), rowBias(b1, B)], null)], null);
  const p = mk('add', [mm(h, W2), rowBias(b2, B)], null);
  const diff = mk('sub', [p, y], null);
  const loss = mk(
    'mul',
    [
      mk('reshape', [mk('reduce_sum', [mk('mul', [diff, diff], null)], { axes: [0, 1] })], { shape: [] }),
      k(1 / (B * O), []),
    ],
    null,
  );
  // Backward by hand: dp = 2 (p - y) / (B O); dz = (dp W2^T) * (1 - h^2).
  const dp = mk('mul', [diff, k(2 / (B * O), [B, O])], null);
  const dz = mk('mul', [mm(dp, t(W2)), mk('sub', [k(1, [B, H]), mk('mul', [h, h], null)], null)], null);
  return {
    outputs: { loss },
    updates: [
      { target: W1, value: sgd(W1, mm(t(x), dz)) },
      { target: b1, value: sgd(b1, colSum(dz)) },
      { target: W2, value: sgd(W2, mm(t(h), dp)) },
      { target: b2, value: sgd(b2, colSum(dp)) },
    ],
  };
}
