// Shared scaffolding of every kernel template: the binding list (output first, read_write;
// then each materialized input on first use, read), helper functions, and the entry-point
// header that turns a (possibly 2-D) workgroup grid into a linear invocation index.

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import { specialValues } from './wgsl-values.ts';
import { Emitter, type KernelContext } from './emitter.ts';
import { resolveBoolReads, type BoolLayout } from './bool-layout.ts';
import { dispatchGrid, linearWorkgroup, storageType, type KernelBinding, type KernelSpec } from './kernel.ts';

export interface CodegenOptions {
  /** The device's maxComputeWorkgroupsPerDimension (65,535 in WebGPU). */
  readonly maxWorkgroupsPerDim: number;
  /**
   * Matmul template: register-blocked (no workgroup memory; vec4 loads when both operands
   * are plain buffers and K, N are multiples of 4), the same without vec4 ('scalar'), or
   * workgroup-tiled.
   */
  readonly matmul: 'register' | 'scalar' | 'tiled';
  /** Reductions: one invocation per output, a workgroup tree per output, or by size. */
  readonly reduce: 'serial' | 'workgroup' | 'auto';
  /**
   * Which bool temps are bit-packed (bool-layout.ts), decided as kernels are finished;
   * absent: every bool is i32 0/1.
   */
  readonly bools?: BoolLayout;
}

/**
 * A generated kernel and the IR nodes whose buffers its bindings take, in binding order.
 * `parts` keeps the WGSL pieces apart so independent kernels can be merged (merge.ts):
 * helpers (shared text), module-scope declarations (workgroup arrays), and the body as
 * `fn kmain(wid: i32, li: u32)` for linear workgroup `wid` of `groups`.
 */
export interface BuiltKernel {
  readonly spec: KernelSpec;
  readonly nodes: readonly Node[];
  readonly grid: readonly [number, number, number];
  readonly groups: number;
  readonly parts: { readonly helpers: readonly string[]; readonly decls: string; readonly fn: string };
}

export class KernelBuilder implements KernelContext {
  readonly helpers = new Set<string>();
  readonly counter = { n: 0 };
  private readonly inputs: Node[] = [];
  private readonly names = new Map<Node, string>();
  private readonly vec4 = new Set<Node>();
  readonly root: Emitter;

  constructor(
    /** The node this kernel writes (binding 0, named `out`). */
    readonly out: Node,
    private readonly materialized: (n: Node) => boolean,
    /** Bind the output(s) as array<vec4<f32>> (vectorized templates). */
    private readonly outVec4 = false,
    /** Further nodes this kernel writes (multi-output elementwise kernels), bound `out1`, `out2`, ... */
    readonly extraOuts: readonly Node[] = [],
    /**
     * Outputs this kernel writes as packed bool words (only templates that write whole words
     * pass any; see bool-layout.ts). Every other bool output is written as i32 0/1.
     */
    private readonly packedOuts: ReadonlySet<Node> = new Set(),
  ) {
    this.root = new Emitter(this, '  ');
  }

  /** The binding variable that writes `n` (an output of this kernel). */
  outName(n: Node): string {
    if (n === this.out) return 'out';
    const i = this.extraOuts.indexOf(n);
    if (i < 0) throw new Error(`outName: %${n.id} is not an output of this kernel`);
    return `out${i + 1}`;
  }

  /** Register a read binding of `n`'s buffer as array<vec4<f32>> (n must be f32). */
  bufferOfVec4(n: Node): string {
    const name = this.bufferOf(n);
    if (!name || n.dtype !== 'f32') throw new Error(`bufferOfVec4: %${n.id} is not an f32 buffer`);
    this.vec4.add(n);
    return name;
  }

  bufferOf(n: Node): string | undefined {
    // Outputs of this kernel are computed here (never read back): recomputed or memoized.
    if (n === this.out || this.extraOuts.includes(n) || !this.materialized(n)) return undefined;
    let name = this.names.get(n);
    if (!name) {
      name = `in${this.inputs.length}`;
      this.names.set(n, name);
      this.inputs.push(n);
    }
    return name;
  }

  /** `body`: statements of `kmain` (with `wid`, `li` in scope); `decls`: module-scope declarations. */
  finish(
    name: string,
    body: string,
    workgroupSize: readonly [number, number, number],
    groups: number,
    opts: CodegenOptions,
    decls = '',
  ): BuiltKernel {
    // Record how this kernel stores its bool outputs before any later kernel reads them.
    for (const m of [this.out, ...this.extraOuts])
      if (m.dtype === 'bool') opts.bools?.written(m, this.packedOuts.has(m));
    if (!opts.bools && this.packedOuts.size)
      throw new Error('KernelBuilder: packed outputs without a BoolLayout');
    const packedIn = new Set(this.inputs.filter((n) => opts.bools?.isPacked(n)));
    const outType = (n: Node) => (this.outVec4 ? 'vec4<f32>' : storageType(n.dtype, this.packedOuts.has(n)));
    const bindings: KernelBinding[] = [
      { name: 'out', type: outType(this.out), access: 'read_write' },
      ...this.extraOuts.map((n, i): KernelBinding => ({
        name: `out${i + 1}`,
        type: outType(n),
        access: 'read_write',
      })),
      ...this.inputs.map((n): KernelBinding => ({
        name: this.names.get(n)!,
        type: this.vec4.has(n) ? 'vec4<f32>' : storageType(n.dtype, packedIn.has(n)),
        access: 'read',
      })),
    ];
    const reads = resolveBoolReads(body, new Set([...packedIn].map((n) => this.names.get(n)!)));
    const fn = `fn kmain(wid: i32, li: u32) {\n${reads}\n}`;
    const helpers = [...this.helpers, ...specialValues(`${decls}\n${fn}\n${[...this.helpers].join('\n')}`)];
    const grid = dispatchGrid(Math.max(groups, 1), opts.maxWorkgroupsPerDim);
    const text = [...helpers, decls, fn, entryPoint(workgroupSize, grid, 'kmain(wid, li);')]
      .filter((x) => x.trim().length)
      .join('\n');
    return {
      spec: { name, bindings, workgroupSize, body: text },
      nodes: [this.out, ...this.extraOuts, ...this.inputs],
      grid,
      groups,
      parts: { helpers, decls, fn },
    };
  }
}

/** The `@compute fn main` that linearizes the (possibly 2-D/3-D) grid into `wid` and runs `body`. */
export function entryPoint(
  workgroupSize: readonly [number, number, number],
  grid: readonly [number, number, number],
  body: string,
): string {
  return [
    `@compute @workgroup_size(${workgroupSize.join(', ')})`,
    'fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {',
    `  ${linearWorkgroup(grid)}`,
    `  ${body}`,
    '}',
  ].join('\n');
}

/** Workgroups and prologue for `count` invocations in 1-D workgroups of `wg`: defines `gi` and guards it. */
export function linearInvocations(count: number, wg: number) {
  const groups = Math.ceil(Math.max(count, 1) / wg);
  const prologue = [`  let gi = wid * ${wg} + i32(li);`, `  if (gi >= ${count}) { return; }`].join('\n');
  return { groups, prologue };
}

export const kernelName = (n: Node): string => `${n.op}_${n.id}_${n.shape.join('x') || 'scalar'}`;
export { numel };
