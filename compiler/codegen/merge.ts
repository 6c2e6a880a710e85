// Horizontal fusion: independent kernels (no one reads what another writes) with the same
// workgroup size merged into one dispatch. Each member keeps its own body, renamed
// (`kmain` -> `k<j>`, its bindings and workgroup arrays suffixed), and gets a contiguous
// range of the merged grid's workgroups; the entry point branches on the (uniform)
// workgroup index, so barriers inside members stay in uniform control flow.
//
// Bindings are shared where members read the same buffer with the same element type.
// Callers check independence and the device limits (packMerges in plan/lower.ts).

import type { Node } from '../ir/node.ts';
import { entryPoint, type BuiltKernel, type CodegenOptions } from './builder.ts';
import { dispatchGrid, type KernelBinding } from './kernel.ts';

/** Bytes of workgroup memory a kernel's declarations take. */
export function workgroupBytes(k: BuiltKernel): number {
  let bytes = 0;
  for (const m of k.parts.decls.matchAll(/array<(?:f32|i32|u32), (\d+)>/g)) bytes += 4 * Number(m[1]);
  return bytes;
}

/** Bindings the merged kernel of `ks` would have. */
export function mergedBindingCount(ks: readonly BuiltKernel[]): number {
  const keys = new Set<string>();
  ks.forEach((k, j) => k.spec.bindings.forEach((b, i) => keys.add(bindingKey(k.nodes[i], b, j))));
  return keys.size;
}

const bindingKey = (n: Node, b: KernelBinding, member: number) =>
  b.access === 'read' ? `r${n.id}:${b.type}` : `w${member}:${n.id}`;

export function mergeKernels(ks: readonly BuiltKernel[], opts: CodegenOptions): BuiltKernel {
  if (ks.length === 1) return ks[0];
  const wgs = ks[0].spec.workgroupSize;
  if (ks.some((k) => k.spec.workgroupSize.join() !== wgs.join()))
    throw new Error('mergeKernels: workgroup sizes differ');
  const bindings: KernelBinding[] = [];
  const nodes: Node[] = [];
  const slot = new Map<string, string>();
  const helpers = [...new Set(ks.flatMap((k) => k.parts.helpers))];
  const decls: string[] = [];
  const fns: string[] = [];
  const calls: string[] = [];
  let start = 0;
  ks.forEach((k, j) => {
    const rename = new Map<string, string>([['kmain', `k${j}`]]);
    k.spec.bindings.forEach((b, i) => {
      const key = bindingKey(k.nodes[i], b, j);
      let name = slot.get(key);
      if (!name) {
        name = `buf${bindings.length}`; // clear of template locals (b0, a0, c0_0, v_3 ...)
        slot.set(key, name);
        bindings.push({ ...b, name });
        nodes.push(k.nodes[i]);
      }
      rename.set(b.name, name);
    });
    for (const m of k.parts.decls.matchAll(/var<workgroup>\s+(\w+)/g)) rename.set(m[1], `${m[1]}_${j}`);
    const re = new RegExp(`\\b(${[...rename.keys()].join('|')})\\b`, 'g');
    const sub = (text: string) => text.replace(re, (w) => rename.get(w)!);
    if (k.parts.decls.trim()) decls.push(sub(k.parts.decls));
    fns.push(sub(k.parts.fn));
    const end = start + k.groups;
    calls.push(
      j === ks.length - 1
        ? `k${j}(wid - ${start}, li);`
        : `if (wid < ${end}) { k${j}(wid - ${start}, li); return; }`,
    );
    start = end;
  });
  const grid = dispatchGrid(start, opts.maxWorkgroupsPerDim);
  const fn = fns.join('\n');
  const body = [...helpers, ...decls, fn, entryPoint(wgs, grid, calls.join('\n  '))]
    .filter((x) => x.trim().length)
    .join('\n');
  const name = ks.map((k) => k.spec.name).join('+');
  return {
    spec: { name, bindings, workgroupSize: wgs, body },
    nodes,
    grid,
    groups: start,
    parts: { helpers, decls: decls.join('\n'), fn },
  };
}
