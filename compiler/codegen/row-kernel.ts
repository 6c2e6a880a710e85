// The row kernel (row-groups.ts): one invocation per row of X computes a group's reductions
// over the row and writes its elementwise members along the row, in a few passes.
//
//   X: [..shape]  axes A   rows = numel(X) / RT,  RT = prod(X[A])
//   pass k: for r < RT: accumulate the reductions of pass k; write the elementwise members
//           of pass k at (row, r). After the pass, its reductions are written and held in
//           registers, so later passes read them for free (through the `expand` back over
//           the row, which the emitter resolves to the preset value).
//
// A reduction's pass is one past the last pass of the reductions it reads (they must be
// complete) and no earlier than the elementwise members it reads; an elementwise member's
// likewise. An elementwise member written in an earlier pass is read back from its output
// (the same invocation wrote it: program order), not recomputed.
// Summation order is the serial template's (reduce-kernel.ts): sequential along the row.

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
import { dimsOfFlat } from './index-math.ts';
import { reduceCombine, reduceInit } from './reduce-loop.ts';
import { isRowReduction } from './row-groups.ts';
import { kernelRegion } from './fuse.ts';
import { wgslType } from './wgsl-values.ts';
import { packedBit, packedRead } from './bool-layout.ts';

const WG = 64;

/** `members`: the group in topological order; the last one is the kernel's `out`. */
export function rowKernel(
  members: readonly Node[],
  materialized: (n: Node) => boolean,
  opts: CodegenOptions,
): BuiltKernel {
  const leader = members[members.length - 1];
  const first = members.find(isRowReduction)!;
  const axes = (first.arg as { axes: readonly number[] }).axes;
  const xShape = first.src[0].shape;
  const rShape = axes.map((a) => xShape[a]);
  const rt = numel(rShape);
  const rows = numel(first.shape);
  const set = new Set(members);
  const reads = new Map(members.map((m) => [m, readMembers(m, set, materialized)]));
  const pass = passes(members, reads);

  // A bool temp member is written bit-packed when each row is whole words: the row is the
  // trailing axes of X (contiguous, starting at row * RT) and RT is a multiple of 32.
  const trailing = axes.every((a, i) => a === xShape.length - axes.length + i);
  const packed = new Set(
    members.filter((m) => !isRowReduction(m) && trailing && rt % 32 === 0 && opts.bools?.canPack(m)),
  );
  const b = new KernelBuilder(leader, materialized, false, members.slice(0, -1), packed);
  const e = b.root;
  const { groups, prologue } = linearInvocations(rows, WG);
  const od = e.dims({ shape: first.shape, flat: 'gi' });
  const lastPass = Math.max(...pass.values());
  const written = new Map<Node, number>(); // elementwise member -> its pass
  for (let k = 0; k <= lastPass; k++) {
    const here = members.filter((m) => pass.get(m) === k);
    const reds = here.filter(isRowReduction);
    const accs = reds.map((red) => {
      const acc = e.fresh('acc');
      e.line(`var ${acc}: ${wgslType(red.dtype)} = ${reduceInit(red)};`);
      return acc;
    });
    const words = new Map<Node, string>();
    for (const m of here.filter((x) => packed.has(x))) {
      words.set(m, e.fresh('word'));
      e.line(`var ${words.get(m)}: u32 = 0u;`);
    }
    const r = e.fresh('r');
    e.line(`for (var ${r} = 0i; ${r} < ${rt}; ${r}++) {`);
    const body = e.child();
    const rd = dimsOfFlat(r, rShape).map((d) => body.bind(d, 'r'));
    const xd = od.map((d, i) => (axes.includes(i) ? rd[axes.indexOf(i)] : d));
    const xIx = { shape: xShape, dims: xd };
    const f = body.flat(xIx);
    // Earlier passes' elementwise members this pass reads: load what this invocation wrote.
    const readBack = (w: Node) =>
      packed.has(w)
        ? packedRead(b.outName(w), f)
        : w.dtype === 'bool'
          ? `(${b.outName(w)}[${f}] != 0i)`
          : `${b.outName(w)}[${f}]`;
    for (const [w] of written)
      if (here.some((m) => reads.get(m)!.includes(w))) body.preset(w, xIx, body.bind(readBack(w), 'w'));
    for (const m of here) {
      if (isRowReduction(m)) {
        const acc = accs[reds.indexOf(m)];
        body.line(`${acc} = ${reduceCombine(m, acc, body.value(m.src[0], xIx))};`);
      } else {
        const v = body.value(m, xIx, true);
        const word = words.get(m);
        if (word) {
          // Bit r & 31 of word f >> 5 (the row starts on a word); the word is stored once full.
          body.line(`${word} = ${packedBit(word, v, `(${r} & 31)`)};`);
          body.line(`if ((${r} & 31) == 31) { ${b.outName(m)}[${f} >> 5u] = ${word}; ${word} = 0u; }`);
        } else body.line(`${b.outName(m)}[${f}] = ${toStorage(v, m.dtype)};`);
        written.set(m, k);
      }
    }
    e.splice(body);
    e.line('}');
    reds.forEach((red, i) => {
      e.line(`${b.outName(red)}[gi] = ${accs[i]};`);
      e.preset(red, { shape: red.shape, dims: od }, accs[i]);
    });
  }
  const name = `${kernelName(first)}+row${members.length}`;
  return b.finish(name, `${prologue}\n${e.lines.join('\n')}`, [WG, 1, 1], groups, opts);
}

/** Each member's pass (see the header). */
function passes(members: readonly Node[], reads: ReadonlyMap<Node, Node[]>): Map<Node, number> {
  const pass = new Map<Node, number>();
  for (const m of members) {
    let k = 0;
    for (const s of reads.get(m)!) k = Math.max(k, isRowReduction(s) ? pass.get(s)! + 1 : pass.get(s)!);
    pass.set(m, k);
  }
  return pass;
}

/** Members of the group `m` reads through its inlined region (they are buffers of the region). */
const readMembers = (m: Node, set: ReadonlySet<Node>, materialized: (n: Node) => boolean): Node[] =>
  [...kernelRegion(m, { has: materialized }).inputs].filter((x) => set.has(x));
