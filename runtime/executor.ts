// What the training loop needs from an executor. The WebGPU executor and the CPU reference
// executor both satisfy it, so a recipe runs the same way on either and their loss curves
// can be compared step by step.

export type HostArray = Float32Array | Int32Array;

export interface Executor {
  /** Which device ran: "webgpu: llvmpipe … (opengles)" or "cpu: reference executor". */
  readonly description: string;
  setParam(name: string, value: Float32Array): void;
  getParam(name: string): Promise<Float32Array>;
  setInput(name: string, value: HostArray): void;
  /** One training step: forward, backward, update. Results stay on the device. */
  step(): Promise<void>;
  /** Read named outputs (loss, metrics) of the last step. */
  readOutputs(names: readonly string[]): Promise<Record<string, Float32Array>>;
  /** Kernel dispatches in one step (0 for the CPU executor). */
  readonly dispatchesPerStep: number;
  destroy(): void;
}
