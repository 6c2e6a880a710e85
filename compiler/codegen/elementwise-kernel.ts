// The fused elementwise kernel: one invocation per output element; every non-materialized
// node below the output (elementwise ops, movement ops, gather, const/iota/rand) is computed
// inline at the invocation's index, so a whole chain costs one dispatch and one write.

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import { ENTRY_ARGS, KernelBuilder, kernelName, linearInvocations, type BuiltKernel, type CodegenOptions } from './builder.ts';
import { toStorage } from './emitter.ts';

const WG = 64;

export function elementwiseKernel(out: Node, materialized: (n: Node) => boolean, opts: CodegenOptions): BuiltKernel {
  const b = new KernelBuilder(out, materialized);
  const n = numel(out.shape);
  const { grid, prologue } = linearInvocations(n, WG, opts);
  const v = b.root.value(out, { shape: out.shape, flat: 'gi' }, true);
  b.root.line(`out[gi] = ${toStorage(v, out.dtype)};`);
  const main = `@compute @workgroup_size(${WG})\nfn main(${ENTRY_ARGS}) {\n${prologue}\n${b.root.lines.join('\n')}\n}`;
  return b.finish(kernelName(out), main, [WG, 1, 1], grid);
}
