// The fused elementwise kernel: one invocation per output element; every non-materialized
// node below the output (elementwise ops, movement ops, gather, const/iota/rand) is computed
// inline at the invocation's index, so a whole chain costs one dispatch and one write.
//
// When an output is a bool temp the lowering lets pack (opts.bools, bool-layout.ts), the
// kernel runs one invocation per 32-element word instead: it loops over the word's
// elements, gathers each packed output's bits in a register and writes whole words, so no
// two invocations ever write one word (no atomics, no zeroing). Its other outputs (a
// multi-output group may mix dtypes) are written element by element in the same loop.

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
import { packedBit } from './bool-layout.ts';

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
  const outs = [...also, out];
  const packed = new Set(outs.filter((m) => opts.bools?.canPack(m)));
  const b = new KernelBuilder(out, materialized, false, also, packed);
  const n = numel(out.shape);
  const name = kernelName(out) + (also.length ? `_x${also.length + 1}` : '') + (packed.size ? '_bits' : '');
  if (packed.size) {
    const words = Math.ceil(n / 32);
    const { groups, prologue } = linearInvocations(words, WG);
    return b.finish(name, `${prologue}\n${packedWords(b, outs, packed, n)}`, [WG, 1, 1], groups, opts);
  }
  const { groups, prologue } = linearInvocations(n, WG);
  for (const m of outs) {
    const v = b.root.value(m, { shape: m.shape, flat: 'gi' }, true);
    b.root.line(`${b.outName(m)}[gi] = ${toStorage(v, m.dtype)};`);
  }
  return b.finish(name, `${prologue}\n${b.root.lines.join('\n')}`, [WG, 1, 1], groups, opts);
}

/**
 * Body statements for invocation `gi` writing word `gi` of each packed output (elements
 * 32*gi .. 32*gi+31, the last word cut at `n`) and those elements of every other output.
 */
function packedWords(b: KernelBuilder, outs: readonly Node[], packed: ReadonlySet<Node>, n: number): string {
  const e = b.root;
  const acc = new Map<Node, string>();
  for (const m of outs)
    if (packed.has(m)) {
      acc.set(m, e.fresh('word'));
      e.line(`var ${acc.get(m)}: u32 = 0u;`);
    }
  e.line(`for (var bit = 0i; bit < 32i; bit++) {`);
  const c = e.child();
  c.line(`let ei = gi * 32i + bit;`);
  if (n % 32) c.line(`if (ei >= ${n}i) { break; }`);
  for (const m of outs) {
    const v = c.value(m, { shape: m.shape, flat: 'ei' }, true);
    const w = acc.get(m);
    c.line(w ? `${w} = ${packedBit(w, v, 'bit')};` : `${b.outName(m)}[ei] = ${toStorage(v, m.dtype)};`);
  }
  e.splice(c);
  e.line('}');
  for (const [m, w] of acc) e.line(`${b.outName(m)}[gi] = ${w};`);
  return e.lines.join('\n');
}
