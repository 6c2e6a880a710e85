// A kernel as a declarative spec. Its binding list is the single source of truth: one
// function (`declareBindings`) yields both the WGSL `@group(0) @binding(i)` declarations
// and the bind-group layout entries, so the shader and the layout can never disagree.
//
// Storage element types: f32 tensors are `array<f32>`, i32 tensors `array<i32>`, and bool
// tensors are stored as `array<i32>` holding 0 or 1 (WGSL has no host-shareable bool; i32
// keeps every host-visible buffer element 4 bytes). Bool temporaries written by a kernel
// that writes whole words are bit-packed instead, 32 to an `array<u32>` word
// (codegen/bool-layout.ts): a `u32` binding is always a packed bool.
// All kernels here use no uniforms: shapes are static and baked into the WGSL as constants.

import type { DType } from '../ir/ops.ts';

export type Access = 'read' | 'read_write';
/**
 * Element type of a storage array; `vec4<f32>` only in templates that load 4 floats at once,
 * `u32` only for packed bools.
 */
export type StorageType = 'f32' | 'i32' | 'u32' | 'vec4<f32>';

export interface KernelBinding {
  /** WGSL variable name. */
  readonly name: string;
  readonly type: StorageType;
  readonly access: Access;
}

/** Plain data (JSON-serializable) form of a bind-group layout entry for compute. */
export interface LayoutEntry {
  readonly binding: number;
  readonly visibility: 'compute';
  readonly buffer: { readonly type: 'storage' | 'read-only-storage' };
}

export interface KernelSpec {
  readonly name: string;
  readonly bindings: readonly KernelBinding[];
  readonly workgroupSize: readonly [number, number, number];
  /** WGSL after the binding declarations: helpers and the `@compute fn main`. */
  readonly body: string;
}

/** The storage element type of an IR dtype (bool as i32 0/1, or u32 words when `packed`). */
export const storageType = (d: DType, packed = false): StorageType =>
  d === 'f32' ? 'f32' : packed && d === 'bool' ? 'u32' : 'i32';

/** Both halves of a kernel's interface from its one binding list. */
export function declareBindings(bindings: readonly KernelBinding[]): { wgsl: string; layout: LayoutEntry[] } {
  const wgsl = bindings
    .map((b, i) => `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`)
    .join('\n');
  const layout = bindings.map((b, i): LayoutEntry => ({
    binding: i,
    visibility: 'compute',
    buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' },
  }));
  return { wgsl, layout };
}

/** The full WGSL source of a kernel. */
export function kernelSource(spec: KernelSpec): string {
  return `// kernel ${spec.name}\n${declareBindings(spec.bindings).wgsl}\n\n${spec.body}\n`;
}

/** The GPU layout entry of plain data (visibility becomes the shader-stage bit). */
export function toGPULayoutEntry(e: LayoutEntry, computeStage: number): GPUBindGroupLayoutEntry {
  return { binding: e.binding, visibility: computeStage, buffer: { type: e.buffer.type } };
}

/** Workgroup counts for `groups` workgroups, spilling into y (and z) past the per-dimension limit. */
export function dispatchGrid(groups: number, maxPerDim: number): [number, number, number] {
  if (groups <= maxPerDim) return [Math.max(groups, 1), 1, 1];
  const rows = Math.ceil(groups / maxPerDim); // y * z
  const z = Math.ceil(rows / maxPerDim);
  if (z > maxPerDim) throw new Error(`dispatch of ${groups} workgroups exceeds ${maxPerDim}^3`);
  const y = Math.ceil(rows / z);
  return [Math.ceil(groups / (y * z)), y, z];
}

/**
 * WGSL statement computing the linear workgroup index `wid` (i32) from a dispatch made
 * by `dispatchGrid`; the entry point must declare `@builtin(workgroup_id) wg: vec3u`.
 * Workgroups past the requested count exist when the grid is not exact: kernels guard.
 */
export function linearWorkgroup(grid: readonly [number, number, number]): string {
  if (grid[1] === 1 && grid[2] === 1) return 'let wid = i32(wg.x);';
  return `let wid = i32(wg.x + ${grid[0]}u * (wg.y + ${grid[1]}u * wg.z));`;
}
