// The Plan: the compiled artefact, plain JSON-serializable data. The runtime needs nothing
// else: every buffer with its size and role, every kernel with its WGSL and bindings, the
// ordered step program, the parameter table, the data-feed slots and the outputs.
//
// Step semantics: the dispatches run in order, then the copies. Updates are computed into
// their own buffers (never in place, since other kernels of the same step may still read
// the old value) and copied onto the parameter/state buffers at the end of the step.
// Buffers are one per materialized node; the memory planner (arena.ts) may place temps in
// an arena at an offset, which changes nothing else but their bindings' access.

import type { DType } from '../ir/ops.ts';
import type { Span } from '../diagnostics/span.ts';
import type { KernelBinding } from '../codegen/kernel.ts';

export type BufferRole = 'param' | 'state' | 'input' | 'output' | 'temp';

export interface PlanBuffer {
  readonly id: number;
  /** Parameter/input/output name, or `%<node id>.<op>` for temps. */
  readonly name: string;
  readonly role: BufferRole;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** plan/bytes.ts `tensorBytes`: 4 bytes per element, a packed bool temp 1 bit (whole u32 words); at least 4. */
  readonly byteSize: number;
  /** Temps placed by the memory planner (arena.ts): a range of arena `arena` at `offset`. */
  readonly arena?: number;
  readonly offset?: number;
}

/** One GPU buffer shared by temporaries with disjoint lifetimes. */
export interface PlanArena {
  readonly id: number;
  readonly byteSize: number;
}

export interface PlanKernelBinding extends KernelBinding {
  readonly buffer: number;
}

export interface PlanKernel {
  readonly id: number;
  readonly name: string;
  readonly wgsl: string;
  readonly entryPoint: 'main';
  /** Binding i of group 0; the layout is derived from this list by `declareBindings`. */
  readonly bindings: readonly PlanKernelBinding[];
  readonly workgroupSize: readonly [number, number, number];
  readonly dispatch: readonly [number, number, number];
  /** IR node this kernel writes, and the source location it came from. */
  readonly node: number;
  readonly span?: Span;
}

export type PlanStep =
  | { readonly op: 'dispatch'; readonly kernel: number }
  | { readonly op: 'copy'; readonly src: number; readonly dst: number; readonly byteSize: number };

export interface PlanParam {
  readonly name: string;
  readonly buffer: number;
  readonly role: 'param' | 'state';
  /** Updated by the step (a trainable parameter, or optimizer state). */
  readonly trainable: boolean;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface PlanSlot {
  readonly name: string;
  readonly buffer: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface Plan {
  readonly format: 'ftl-plan';
  readonly version: 1;
  readonly buffers: readonly PlanBuffer[];
  readonly kernels: readonly PlanKernel[];
  readonly step: readonly PlanStep[];
  readonly params: readonly PlanParam[];
  readonly inputs: readonly PlanSlot[];
  readonly outputs: readonly PlanSlot[];
  /** Present when temps were memory-planned. */
  readonly arenas?: readonly PlanArena[];
  /**
   * Small values written right after the big activation they are computed from, so that it
   * dies in the forward (compiler/optimize/save-early.ts): buffer ids, for the report.
   */
  readonly savedEarly?: readonly { readonly saved: number; readonly source: number; readonly span?: Span }[];
}

/** Bytes of GPU memory the plan allocates (separate buffers plus arenas). */
export const planBytes = (p: Plan): number =>
  p.buffers.reduce((a, b) => a + (b.arena === undefined ? b.byteSize : 0), 0) +
  (p.arenas ?? []).reduce((a, x) => a + x.byteSize, 0);

/** Dispatches per step (what the bench and the compile report count as kernels launched). */
export const dispatchCount = (p: Plan): number => p.step.filter((s) => s.op === 'dispatch').length;
