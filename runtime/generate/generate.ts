// Autoregressive generation with a KV cache on any Executor (CPU reference or WebGPU).
//
//   const g = await Generator.open(decodeModel, { device: 'cpu' | handle })
//   const r = await g.generate(promptIds, { maxTokens, temperature, topK, topP, seed, eosId, stop, decode })
//   -> { tokens (generated ids), text, finish: 'eos' | 'stop' | 'length', logits? }
//
// The prompt is fed one token per step (the decode graph takes one token; its cache fills as
// it goes); after the last prompt token every step's logits choose the next token (sample.ts).
// Generation ends at EOS, when the decoded text contains a stop string (the text is cut
// before it), or after maxTokens. The cache leaves are zeroed at the start of each call.

import { lowerToPlan } from '../../compiler/plan/lower.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import { CpuExecutor } from '../cpu/executor.ts';
import type { DeviceHandle } from '../device/index.ts';
import type { Executor } from '../executor.ts';
import { WebGPUExecutor } from '../webgpu/executor.ts';
import type { ModelGraph } from './decode-graph.ts';
import { sampleToken, uniform, type SamplingOptions } from './sample.ts';

export interface GenerateOptions extends SamplingOptions {
  readonly maxTokens: number;
  readonly seed?: number;
  readonly eosId?: number;
  readonly stop?: readonly string[];
  /** Token ids -> text, for stop strings and the result's `text`. */
  readonly decode?: (ids: readonly number[]) => string;
  /** Keep each step's logits (tests compare them with the uncached forward). */
  readonly keepLogits?: boolean;
}

export interface Generation {
  readonly tokens: number[];
  readonly text?: string;
  readonly finish: 'eos' | 'stop' | 'length';
  /** logits[i] = distribution that chose tokens[i]. */
  readonly logits?: Float32Array[];
}

/** An executor for a forward-only graph: CPU reference, or WebGPU on `handle`. */
export async function executorFor(g: ModelGraph, handle?: DeviceHandle): Promise<Executor> {
  if (!handle) return new CpuExecutor(g.graph);
  const plan = lowerToPlan(g.graph, handle.limits, { isCPU: handle.isCPU });
  return WebGPUExecutor.load(plan, handle.device, `webgpu: ${handle.adapterName} (${handle.backend})`);
}

export class Generator {
  private constructor(
    readonly model: ModelGraph,
    readonly exec: Executor,
    private readonly caches: { name: string; size: number }[],
  ) {}

  /** Load the decode graph and its weights onto the executor. */
  static async open(model: ModelGraph, handle?: DeviceHandle): Promise<Generator> {
    const exec = await executorFor(model, handle);
    const caches: { name: string; size: number }[] = [];
    for (const p of leavesOf(model.graph, 'param')) {
      if (p.arg.role === 'state') caches.push({ name: p.arg.name, size: p.shape.reduce((a, b) => a * b, 1) });
      else {
        const v = model.values.get(p.arg.name);
        if (!v) throw new Error(`generate: no value for parameter ${p.arg.name}`);
        exec.setParam(p.arg.name, v);
      }
    }
    return new Generator(model, exec, caches);
  }

  /** Longest prompt + generation the cache holds. */
  get maxT(): number {
    const u = this.model.graph.updates[0];
    return u.target.shape[u.target.shape.length - 2];
  }

  /** One decode step: token `id` at position `pos`; returns the next-token logits. */
  async step(id: number, pos: number): Promise<Float32Array> {
    this.exec.setInput('tokens', Int32Array.of(id));
    this.exec.setInput('pos', Int32Array.of(pos));
    await this.exec.step();
    return (await this.exec.readOutputs(['logits'])).logits;
  }

  async generate(prompt: readonly number[], o: GenerateOptions): Promise<Generation> {
    if (prompt.length === 0) throw new Error('generate: empty prompt');
    if (prompt.length + o.maxTokens > this.maxT)
      throw new Error(
        `generate: prompt (${prompt.length}) + max tokens (${o.maxTokens}) exceed the cache (${this.maxT})`,
      );
    for (const c of this.caches) this.exec.setParam(c.name, new Float32Array(c.size));
    const rand = uniform(o.seed ?? 0);
    let logits: Float32Array = new Float32Array(0);
    for (let i = 0; i < prompt.length; i++) logits = await this.step(prompt[i], i);
    const tokens: number[] = [];
    const kept: Float32Array[] = [];
    let finish: Generation['finish'] = 'length';
    let text: string | undefined;
    for (let n = 0; n < o.maxTokens; n++) {
      if (o.keepLogits) kept.push(logits);
      const next = sampleToken(logits, o, rand());
      if (next === o.eosId) {
        finish = 'eos';
        break;
      }
      tokens.push(next);
      if (o.stop?.length && o.decode) {
        const t = o.decode(tokens);
        const at = Math.min(...o.stop.map((s) => t.indexOf(s)).filter((i) => i >= 0));
        if (Number.isFinite(at)) {
          text = t.slice(0, at);
          finish = 'stop';
          break;
        }
      }
      if (n + 1 < o.maxTokens) logits = await this.step(next, prompt.length + n);
    }
    return { tokens, text: text ?? o.decode?.(tokens), finish, ...(o.keepLogits ? { logits: kept } : {}) };
  }

  destroy(): void {
    this.exec.destroy();
  }
}
