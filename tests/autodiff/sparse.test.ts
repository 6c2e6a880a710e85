// Sparse backward falls out of the path restriction: with a 3-layer chain and only some
// weights trainable, no gradient node below the lowest trainable weight is built.
// Counted on the toposorted training graph: loss and gradients (forward matmuls included).

import { describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import { toposort } from '../../compiler/ir/graph.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { Span } from '../../compiler/diagnostics/span.ts';

const span = (line: number): Span => ({
  file: 'chain.ftl',
  start: line * 10,
  end: line * 10 + 5,
  line,
  col: 3,
});

// x[4,6] -> (W1[6,5], tanh) -> (W2[5,5], tanh) -> W3[5,2] -> Σ
const x = mk('input', [], { name: 'sparse_x' }, { shape: [4, 6] });
const w = [
  mk('param', [], { name: 'sparse_w1', role: 'param' }, { shape: [6, 5] }),
  mk('param', [], { name: 'sparse_w2', role: 'param' }, { shape: [5, 5] }),
  mk('param', [], { name: 'sparse_w3', role: 'param' }, { shape: [5, 2] }),
];
const h1 = mk('tanh', [mk('matmul', [x, w[0]], null, { span: span(1) })], null);
const h2 = mk('tanh', [mk('matmul', [h1, w[1]], null, { span: span(2) })], null);
const out = mk('matmul', [h2, w[2]], null, { span: span(3) });
const loss = mk('reduce_sum', [out], { axes: [0, 1] });

const matmulsIn = (roots: Node[]) => toposort([loss, ...roots]).filter((n) => n.op === 'matmul');

describe('sparse backward', () => {
  it('only the last weight trainable: 3 forward matmuls + 1 weight-gradient matmul', () => {
    const g = grad(loss, [w[2]]);
    const mms = matmulsIn([g.get(w[2])!]);
    expect(mms.length).toBe(4);
    // No input-gradient of any layer: nothing multiplies by a transposed weight.
    expect(toposort([g.get(w[2])!]).some((n) => n.op === 'permute' && w.includes(n.src[0] as never))).toBe(
      false,
    );
  });
  it('last two trainable: + dW3, dh2, dW2, but no input gradient of layer 1', () => {
    const g = grad(loss, [w[1], w[2]]);
    const mms = matmulsIn([g.get(w[1])!, g.get(w[2])!]);
    expect(mms.length).toBe(6);
    const transposed = toposort([g.get(w[1])!, g.get(w[2])!])
      .filter((n) => n.op === 'permute')
      .map((n) => n.src[0]);
    expect(transposed).toContain(w[2]); // dh2 = g @ W3ᵀ
    expect(transposed).not.toContain(w[1]); // dh1 = g @ W2ᵀ is not built
  });
  it('all trainable: dx (an input) is still never built', () => {
    const g = grad(loss, w);
    expect(matmulsIn(w.map((p) => g.get(p)!)).length).toBe(3 + 2 + 2 + 1);
  });
  it('gradient nodes keep the span of their forward node', () => {
    const g = grad(loss, [w[2]]).get(w[2])!;
    expect(g.op).toBe('matmul');
    expect(g.span).toEqual(span(3));
  });
});
