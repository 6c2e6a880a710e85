// The verifier run after every pass: re-checks the IR invariants and names the pass that
// broke one (MLIR's verify-each). Invariants:
// - no cycles; every source is a node;
// - every node's shape and dtype are what `mk` infers from its op, sources and arg
//   (leaves: a well-formed arg and a shape of non-negative integers);
// - every update target is a `param` leaf, updated at most once, whose shape and dtype
//   match the new value's;
// - no `custom_vjp` marker is left (ops.ts: the training build strips them after autodiff).
// A violation is a compiler bug, so it throws VerifyError (never a user Diagnostic).

import type { Graph } from './graph.ts';
import { IRError, mk, sameShape, type Node } from './node.ts';
import { OpGroup, type ArgOf } from './ops.ts';

export class VerifyError extends IRError {
  override name = 'VerifyError';
  constructor(
    readonly pass: string,
    message: string,
  ) {
    super(`IR invalid after pass '${pass}': ${message}`);
  }
}

const describe = (n: Node) => `${n.op}#${n.id} ${n.dtype}[${n.shape}]`;

export function verify(g: Graph, passName: string): void {
  const fail = (msg: string): never => {
    throw new VerifyError(passName, msg);
  };
  const roots = [...Object.values(g.outputs), ...g.updates.flatMap((u) => [u.value, u.target])];

  // Iterative DFS with colours: grey = on the current path (a grey source is a cycle).
  const colour = new Map<Node, 'grey' | 'black'>();
  const order: Node[] = [];
  for (const root of roots) {
    if (colour.has(root)) continue;
    const stack: [Node, number][] = [[root, 0]];
    colour.set(root, 'grey');
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, i] = top;
      if (i < n.src.length) {
        top[1]++;
        const s = n.src[i];
        if (!s || typeof s !== 'object' || typeof s.op !== 'string')
          fail(`${describe(n)}: source ${i} is not a node`);
        const c = colour.get(s);
        if (c === 'grey') fail(`cycle through ${describe(s)}`);
        if (!c) {
          colour.set(s, 'grey');
          stack.push([s, 0]);
        }
      } else {
        colour.set(n, 'black');
        stack.pop();
        order.push(n);
      }
    }
  }

  for (const n of order) {
    if (!n.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${describe(n)}: bad shape`);
    if (n.op === 'custom_vjp')
      fail(
        `${describe(n)}: a custom backward marker (fn ${(n.arg as ArgOf<'custom_vjp'>).fn}) was not stripped after autodiff`,
      );
    if (OpGroup.Leaf.has(n.op)) checkLeaf(n, fail);
    let inferred: Node;
    try {
      inferred = mk(n.op, n.src, n.arg, { shape: n.shape, dtype: n.dtype });
    } catch (e) {
      return fail(`${describe(n)}: ${(e as Error).message}`);
    }
    if (!sameShape(inferred.shape, n.shape) || inferred.dtype !== n.dtype)
      fail(`${describe(n)}: op infers ${inferred.dtype}[${inferred.shape}]`);
  }

  const seen = new Set<string>();
  for (const { target, value } of g.updates) {
    if (target.op !== 'param') fail(`update target ${describe(target)} is not a param leaf`);
    const name = target.arg.name;
    if (seen.has(name)) fail(`param '${name}' is updated twice`);
    seen.add(name);
    if (!sameShape(target.shape, value.shape) || target.dtype !== value.dtype)
      fail(`update of '${name}' ${target.dtype}[${target.shape}] gets ${describe(value)}`);
  }
}

function checkLeaf(n: Node, fail: (m: string) => never): void {
  const a = n.arg as Record<string, unknown> | null;
  const ok = (() => {
    switch (n.op) {
      case 'param':
        return typeof a?.name === 'string' && a.name !== '' && (a.role === 'param' || a.role === 'state');
      case 'input':
        return typeof a?.name === 'string' && a.name !== '';
      case 'const':
        return typeof a?.value === 'number';
      case 'iota':
        return Number.isInteger(a?.axis) && (a!.axis as number) >= 0 && (a!.axis as number) < n.shape.length;
      case 'rand':
        return (
          (a?.dist === 'uniform' || a?.dist === 'normal') && Number.isInteger(a?.stream) && n.dtype === 'f32'
        );
    }
    return true;
  })();
  if (!ok) fail(`${describe(n)}: malformed ${n.op} argument ${JSON.stringify(a)}`);
}
