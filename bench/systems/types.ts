// The interface every system under test implements (the peer on WebGPU, the peer on CPU, ftl),
// so the harness measures them all with one loop.

import type { Workload } from '../workloads.ts';

/** Full parameter values by name (the model's parameters, not optimizer state). */
export type Weights = ReadonlyMap<string, Float32Array>;

/** Same data for every system (bench/data.ts). */
export interface BenchData {
  /** Byte corpus for the GPT workloads. */
  bytes: Uint8Array;
  corpusSource: string;
  /**
   * Initial parameter values by name (ftl's, from its compile): a system that has a
   * parameter of that name and size starts from it, so first-step losses are comparable.
   */
  initial?: ReadonlyMap<string, Float32Array>;
  /**
   * Weights an earlier phase trained, which the recipe's selection builtins read at compile
   * time (LT-SFT's phase 1 theta1 for `delta_mask`); ftl only. Training still starts from
   * the recipe's initial values (theta0).
   */
  selectionWeights?: Weights;
}

export interface Session {
  /**
   * One training step on batch `s` (0-based): forward, backward, optimizer update, and the
   * loss read back so the step's work has finished when the promise resolves.
   */
  step(s: number): Promise<number>;
  /**
   * Peak bytes during one step, for systems whose memory the GPU buffer counters cannot see
   * (the CPU backend). Absent: the harness reads bench/gpu-counters.ts over a step.
   */
  peakBytesOfStep?(s: number): Promise<number>;
  dispose(): void;
  /** The initial parameter values it started from, by name (ftl's session provides them). */
  readonly initialValues?: ReadonlyMap<string, Float32Array>;
  /** How many of its parameters came from BenchData.initial. */
  readonly sharedInitial?: number;
  /**
   * The values its parameters have reached (by full parameter name) and how many steps it
   * has run: phase 1's theta1 for LT-SFT (ftl's session provides it).
   */
  trained?(): Promise<{ values: Weights; steps: number }>;
  /**
   * The compile result it runs (ftl: compiler/compile.ts `Compiled`) and the recipe text and
   * file name it came from, so the compiler's figures for the same recipe need no second
   * compile.
   */
  readonly compiled?: { result: unknown; source: string; file: string };
}

export type Prepared = { session: Session } | { unavailable: string };

export interface System {
  /** 'tfjs-webgpu' | 'tfjs-cpu' | 'ftl' | 'ftl-unopt' */
  readonly name: string;
  /**
   * The peer is what targets are measured against; a reference is shown for context;
   * 'ablation' is ftl with its optimization passes off (issue 6), compared with ftl.
   */
  readonly role: 'peer' | 'reference' | 'ftl' | 'ablation';
  /** Device, adapter and version, for the report. */
  readonly description: string;
  /** Whether dispatch counts mean anything (false for CPU backends). */
  readonly dispatchesKernels: boolean;
  /** The device whose buffers are this system's memory (bench/gpu-counters.ts); none on CPU. */
  gpuDevice(): GPUDevice | undefined;
  prepare(w: Workload, data: BenchData): Promise<Prepared>;
  destroy(): void;
}

/** A system that could not start at all (its package is missing, no device, ...). */
export interface Unavailable {
  readonly name: string;
  readonly role: System['role'];
  readonly unavailable: string;
}
