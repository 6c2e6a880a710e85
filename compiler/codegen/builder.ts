// Shared scaffolding of every kernel template: the binding list (output first, read_write;
// then each materialized input on first use, read), helper functions, and the entry-point
// header that turns a (possibly 2-D) workgroup grid into a linear invocation index.

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import { withSpecialValues } from './wgsl-values.ts';
import { Emitter, type KernelContext } from './emitter.ts';
import { dispatchGrid, linearWorkgroup, storageType, type KernelBinding, type KernelSpec } from './kernel.ts';

export interface CodegenOptions {
  /** The device's maxComputeWorkgroupsPerDimension (65,535 in WebGPU). */
  readonly maxWorkgroupsPerDim: number;
  /** Matmul template: register-blocked (no workgroup memory) or workgroup-tiled. */
  readonly matmul: 'register' | 'tiled';
  /** Reductions: one invocation per output, a workgroup tree per output, or by size. */
  readonly reduce: 'serial' | 'workgroup' | 'auto';
}

/** A generated kernel and the IR nodes whose buffers its bindings take, in binding order. */
export interface BuiltKernel {
  readonly spec: KernelSpec;
  readonly nodes: readonly Node[];
  readonly grid: readonly [number, number, number];
}

export class KernelBuilder implements KernelContext {
  readonly helpers = new Set<string>();
  readonly counter = { n: 0 };
  private readonly inputs: Node[] = [];
  private readonly names = new Map<Node, string>();
  readonly root: Emitter;

  constructor(
    /** The node this kernel writes (binding 0, named `out`). */
    readonly out: Node,
    private readonly materialized: (n: Node) => boolean,
  ) {
    this.root = new Emitter(this, '  ');
  }

  bufferOf(n: Node): string | undefined {
    if (n === this.out || !this.materialized(n)) return undefined;
    let name = this.names.get(n);
    if (!name) {
      name = `in${this.inputs.length}`;
      this.names.set(n, name);
      this.inputs.push(n);
    }
    return name;
  }

  finish(
    name: string,
    main: string,
    workgroupSize: readonly [number, number, number],
    grid: readonly [number, number, number],
    extra = '',
  ): BuiltKernel {
    const bindings: KernelBinding[] = [
      { name: 'out', type: storageType(this.out.dtype), access: 'read_write' },
      ...this.inputs.map((n): KernelBinding => ({ name: this.names.get(n)!, type: storageType(n.dtype), access: 'read' })),
    ];
    const body = withSpecialValues([...this.helpers, extra, main].filter((s) => s.trim().length).join('\n'));
    return { spec: { name, bindings, workgroupSize, body }, nodes: [this.out, ...this.inputs], grid };
  }
}

export const ENTRY_ARGS = '@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32';

/** Grid and prologue for `count` invocations in 1-D workgroups of `wg`: defines `gi` and guards it. */
export function linearInvocations(count: number, wg: number, opts: CodegenOptions) {
  const grid = dispatchGrid(Math.ceil(Math.max(count, 1) / wg), opts.maxWorkgroupsPerDim);
  const prologue = [
    `  ${linearWorkgroup(grid)}`,
    `  let gi = wid * ${wg} + i32(li);`,
    `  if (gi >= ${count}) { return; }`,
  ].join('\n');
  return { grid, prologue };
}

export const kernelName = (n: Node): string => `${n.op}_${n.id}_${n.shape.join('x') || 'scalar'}`;
export { numel };
