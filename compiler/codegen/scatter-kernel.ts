// scatter_add, deterministically: one invocation per output element scans every index and
// sums the matching update elements in index order (no atomics, so the result is the same
// on every run and device). Cost is rows * rest * P reads of the index: fine for the
// embedding gradients of small vocabularies; large vocabularies want a sorted-segment
// kernel (not written yet).
//
//   idx: i32[...I] (P = numel(I)),  upd: f32[...I, ...rest]  ->  out: f32[rows, ...rest]

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import {
  KernelBuilder,
  kernelName,
  linearInvocations,
  type BuiltKernel,
  type CodegenOptions,
} from './builder.ts';
import { dimsOfFlat } from './index-math.ts';
import { literal, wgslType } from './wgsl-values.ts';

const WG = 64;

export function scatterAddKernel(out: Node, mat: (n: Node) => boolean, opts: CodegenOptions): BuiltKernel {
  const [idx, upd] = out.src;
  const rows = out.shape[0];
  const rest = out.shape.slice(1);
  const rs = numel(rest);
  const p = numel(idx.shape);
  const b = new KernelBuilder(out, mat);
  const { groups, prologue } = linearInvocations(rows * rs, WG);
  const e = b.root;
  e.line(`let row = gi / ${rs};`);
  e.line(`let j = gi % ${rs};`);
  const rd = dimsOfFlat('j', rest).map((d) => e.bind(d, 'rd'));
  e.line(`var acc: ${wgslType(out.dtype)} = ${literal(0, out.dtype)};`);
  e.line(`for (var p = 0i; p < ${p}; p++) {`);
  const loop = e.child();
  const id = loop.value(idx, { shape: idx.shape, flat: 'p' });
  loop.line(`if (${id} == row) {`);
  const hit = loop.child();
  const pd = dimsOfFlat('p', idx.shape).map((d) => hit.bind(d, 'pd'));
  hit.line(`acc = acc + ${hit.value(upd, { shape: upd.shape, dims: [...pd, ...rd] })};`);
  loop.splice(hit);
  loop.line('}');
  e.splice(loop);
  e.line('}');
  e.line('out[gi] = acc;');
  return b.finish(kernelName(out), `${prologue}\n${e.lines.join('\n')}`, [WG, 1, 1], groups, opts);
}
