// Reductions (reduce_sum / reduce_max with keepdims) along any set of axes, with the input
// chain fused: the input value is computed inline inside the reduction loop.
//
//   X: [..shape]  axes A  ->  R: shape with A set to 1.   N = numel(R), RT = prod(shape[A])
//
// Two templates:
// - serial: one invocation per output element loops over RT inputs (good when N is large;
//   row-kernel.ts extends it to several reductions and the elementwise nodes reading them);
// - workgroup: one workgroup per output; its WG invocations stride over RT, then a tree
//   reduction in workgroup memory (good when N is small and RT large, e.g. a scalar loss).
// Summation order differs from a sequential CPU loop, so sums agree to rounding only.

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import {
  KernelBuilder,
  kernelName,
  linearInvocations,
  type BuiltKernel,
  type CodegenOptions,
} from './builder.ts';
import { wgslType } from './wgsl-values.ts';
import { accumulate, reduceCombine, reduceInit, reduceLoop } from './reduce-loop.ts';

const WG_SERIAL = 64;
// 64 like every other template, so reductions can share merged dispatches (plan/pack.ts).
const WG_TREE = 64;

export function reduceKernel(
  out: Node,
  materialized: (n: Node) => boolean,
  opts: CodegenOptions,
): BuiltKernel {
  const x = out.src[0];
  if (x.dtype === 'bool') throw new Error(`reduceKernel: bool reductions are not supported (%${out.id})`);
  const axes = (out.arg as { axes: readonly number[] }).axes;
  const n = numel(out.shape);
  const rShape = axes.map((a) => x.shape[a]);
  const rt = numel(rShape);
  const useTree =
    opts.reduce === 'workgroup' || (opts.reduce === 'auto' && (rt >= 2048 || (rt >= 128 && n < 512)));
  return useTree ? treeReduce(out, materialized, opts, n, rt) : serialReduce(out, materialized, opts, n);
}

function serialReduce(out: Node, mat: (n: Node) => boolean, opts: CodegenOptions, n: number): BuiltKernel {
  const b = new KernelBuilder(out, mat);
  const { groups, prologue } = linearInvocations(n, WG_SERIAL);
  const e = b.root;
  const od = e.dims({ shape: out.shape, flat: 'gi' });
  const acc = reduceLoop(e, out, od);
  e.line(`out[gi] = ${acc};`);
  return b.finish(kernelName(out), `${prologue}\n${e.lines.join('\n')}`, [WG_SERIAL, 1, 1], groups, opts);
}

function treeReduce(
  out: Node,
  mat: (n: Node) => boolean,
  opts: CodegenOptions,
  n: number,
  rt: number,
): BuiltKernel {
  const b = new KernelBuilder(out, mat);
  const e = b.root;
  const t = wgslType(out.dtype);
  // Surplus workgroups of a 2-D grid compute a copy of the last output and do not store it,
  // so every invocation reaches every barrier (uniform control flow).
  e.line(`let o = min(wid, ${n - 1});`);
  const od = e.dims({ shape: out.shape, flat: 'o' });
  e.line(`var acc: ${t} = ${reduceInit(out)};`);
  e.line(`for (var r = i32(li); r < ${rt}; r += ${WG_TREE}) {`);
  const body = e.child();
  accumulate(out, body, od, 'r', 'acc');
  e.splice(body);
  e.line('}');
  e.line('part[li] = acc;');
  e.line('workgroupBarrier();');
  e.line(`for (var s = ${WG_TREE / 2}u; s > 0u; s = s >> 1u) {`);
  e.line(`  if (li < s) { part[li] = ${reduceCombine(out, 'part[li]', 'part[li + s]')}; }`);
  e.line('  workgroupBarrier();');
  e.line('}');
  e.line(`if (li == 0u && wid < ${n}) { out[o] = part[0]; }`);
  const decl = `var<workgroup> part: array<${t}, ${WG_TREE}>;`;
  return b.finish(kernelName(out), e.lines.join('\n'), [WG_TREE, 1, 1], n, opts, decl);
}
