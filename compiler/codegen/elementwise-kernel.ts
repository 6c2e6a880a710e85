// The fused elementwise kernel: one invocation per output element; every non-materialized
// node below the output (elementwise ops, movement ops, gather, const/iota/rand) is computed
// inline at the invocation's index, so a whole chain costs one dispatch and one write.

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import {
  KernelBuilder,
  kernelName,
  linearInvocations,
  type BuiltKernel,
  type CodegenOptions,
} from './builder.ts';
import { toStorage } from './emitter.ts';

const WG = 64;

/**
 * `also`: further nodes of the same shape written by the same kernel (a multi-output group,
 * see group.ts), in topological order before `out`; a member another member uses at the
 * same index is computed once.
 */
export function elementwiseKernel(
  out: Node,
  materialized: (n: Node) => boolean,
  opts: CodegenOptions,
  also: readonly Node[] = [],
): BuiltKernel {
  const b = new KernelBuilder(out, materialized, false, also);
  const n = numel(out.shape);
  const { groups, prologue } = linearInvocations(n, WG);
  for (const m of [...also, out]) {
    const v = b.root.value(m, { shape: m.shape, flat: 'gi' }, true);
    b.root.line(`${b.outName(m)}[gi] = ${toStorage(v, m.dtype)};`);
  }
  const body = `${prologue}\n${b.root.lines.join('\n')}`;
  return b.finish(
    kernelName(out) + (also.length ? `_x${also.length + 1}` : ''),
    body,
    [WG, 1, 1],
    groups,
    opts,
  );
}
