// The CPU reference executor behind the `Executor` interface, so `ftl run --device cpu` and
// the WebGPU path share the training loop. Holds parameters and optimizer state on the host.

import type { Graph } from '../../compiler/ir/graph.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import type { Executor, HostArray } from '../executor.ts';
import { step, type TypedArray } from './evaluate.ts';

export class CpuExecutor implements Executor {
  readonly description = 'cpu: reference executor (f32)';
  readonly dispatchesPerStep = 0;
  private readonly store = new Map<string, TypedArray>();
  private readonly inputs = new Map<string, TypedArray>();
  private outputs: Record<string, TypedArray> = {};

  constructor(private readonly graph: Graph) {
    // Optimizer state starts at zero; parameters must be set before the first step.
    for (const p of leavesOf(graph, 'param'))
      if (p.arg.role === 'state')
        this.store.set(p.arg.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1)));
  }

  setParam(name: string, value: Float32Array): void {
    this.store.set(name, value.slice());
  }
  async getParam(name: string): Promise<Float32Array> {
    const v = this.store.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return Float32Array.from(v);
  }
  setInput(name: string, value: HostArray): void {
    this.inputs.set(name, value);
  }
  async step(): Promise<void> {
    this.outputs = step(this.graph, this.store, this.inputs);
  }
  async readOutputs(names: readonly string[]): Promise<Record<string, Float32Array>> {
    return Object.fromEntries(names.map((n) => [n, Float32Array.from(this.outputs[n] ?? [])]));
  }
  destroy(): void {
    this.store.clear();
  }
}
