// Autoregressive generation with a KV cache on any Executor (CPU reference or WebGPU).
//
//   const g = await Generator.open(stepModel, handle?, chunkModel?)
//   const r = await g.generate(promptIds, { maxTokens, temperature, topK, topP, seed, eosId, stop,
//                                          decode, kv?: { budget, local?, policy? }, onEvict? })
//   -> { tokens (generated ids), text, finish: 'eos' | 'stop' | 'length', logits? }
//
// Prefill: with a chunk model (a decode graph of C tokens per step, same cache leaves) the
// prompt goes through it C tokens at a time (the last chunk padded; padded rows are never
// attended by real queries and are overwritten next); without one, one token per step. Then
// the caches move to the one-token step model (host copies, once; the two executors each
// hold the weights: a chunked generator needs twice the weight memory) and every step's
// logits choose the next token (sample.ts). Generation ends at EOS, when the decoded text contains a
// stop string (the text is cut before it), or after maxTokens. The cache leaves are zeroed at
// the start of each call.
//
// KV budget B (`kv`, Locret's chunked prefill with eviction; the graphs need a `slot` input
// and kv_retain scores, decodeGraph(..., { slot: true })): after every prefill chunk that
// leaves more than B entries, and whenever a decode step would overflow the cache's rows,
// each attention's cache is cut to B entries per head (evict.ts: the `local` newest plus the
// highest retention scores; policy 'random' draws the scores instead, a baseline). Cache rows
// = B + C suffice, whatever the prompt's length.

import { lowerToPlan } from '../../compiler/plan/lower.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import { CpuExecutor } from '../cpu/executor.ts';
import type { DeviceHandle } from '../device/index.ts';
import type { Executor } from '../executor.ts';
import { WebGPUExecutor } from '../webgpu/executor.ts';
import type { ModelGraph, RetainGroup } from './decode-graph.ts';
import { compactPositions, compactRows, compactScores, keepRows } from './evict.ts';
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
  /** Evict the KV cache down to a budget (see the header). */
  readonly kv?: KvBudget;
  /** Called after each eviction (tests, reports). */
  readonly onEvict?: (e: EvictEvent) => void;
}

export interface KvBudget {
  /** Entries kept per attention layer and kv head. */
  readonly budget: number;
  /** Newest positions always kept (Locret's stabilisers); default min(budget / 4, 16). */
  readonly local?: number;
  /** 'scores' (the model's kv_retain scores; default) or 'random' (a baseline). */
  readonly policy?: 'scores' | 'random';
}

export interface EvictEvent {
  /** The kv_retain leaf of the layer. */
  readonly score: string;
  /** Filled rows before the eviction. */
  readonly len: number;
  /** The scores the choice used: [rows, scoreHeads] (a copy). */
  readonly scores: Float32Array;
  readonly scoreHeads: number;
  /** Positions per head before ([heads][rows]) and the kept positions per head after. */
  readonly before: readonly Int32Array[];
  readonly kept: readonly Int32Array[];
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

interface Loaded {
  readonly model: ModelGraph;
  readonly exec: Executor;
  readonly hasSlot: boolean;
}

type CacheLeaf = { name: string; shape: readonly number[]; size: number };

/** Load a decode graph's weights onto an executor; its cache leaves. */
async function load(model: ModelGraph, handle?: DeviceHandle): Promise<{ l: Loaded; caches: CacheLeaf[] }> {
  const exec = await executorFor(model, handle);
  const caches: CacheLeaf[] = [];
  for (const p of leavesOf(model.graph, 'param')) {
    if (p.arg.role === 'state')
      caches.push({ name: p.arg.name, shape: p.shape, size: p.shape.reduce((a, b) => a * b, 1) });
    else {
      const v = model.values.get(p.arg.name);
      if (!v) throw new Error(`generate: no value for parameter ${p.arg.name}`);
      exec.setParam(p.arg.name, v);
    }
  }
  const hasSlot = leavesOf(model.graph, 'input').some((n) => n.arg.name === 'slot');
  return { l: { model, exec, hasSlot }, caches };
}

export class Generator {
  private constructor(
    readonly model: ModelGraph,
    readonly exec: Executor,
    private readonly caches: CacheLeaf[],
    private readonly hasSlot: boolean,
    private readonly chunked?: Loaded & { chunk: number },
  ) {}

  /**
   * Load the one-token decode graph (and optionally a chunk decode graph for the prompt,
   * with the same cache leaves) and their weights onto executors.
   */
  static async open(model: ModelGraph, handle?: DeviceHandle, chunk?: ModelGraph): Promise<Generator> {
    const s = await load(model, handle);
    if (!chunk) return new Generator(model, s.l.exec, s.caches, s.l.hasSlot);
    const c = await load(chunk, handle);
    const key = (cs: CacheLeaf[]) => JSON.stringify(cs.map((x) => [x.name, x.shape]).sort());
    if (key(c.caches) !== key(s.caches))
      throw new Error('generate: the chunk and step graphs have different cache leaves');
    const C = leavesOf(chunk.graph, 'input').find((n) => n.arg.name === 'tokens')!.shape[1];
    return new Generator(model, s.l.exec, s.caches, s.l.hasSlot, { ...c.l, chunk: C });
  }

  /** Cache rows: the most entries the cache holds at once. */
  get maxT(): number {
    const u = this.model.graph.updates[0];
    return u.target.shape[u.target.shape.length - 2];
  }

  /** One decode step: token `id` at position `pos` (cache row `slot`); next-token logits. */
  async step(id: number, pos: number, slot = pos): Promise<Float32Array> {
    return (await this.run(this.exec, this.hasSlot, Int32Array.of(id), pos, slot)).logits;
  }

  private async run(exec: Executor, hasSlot: boolean, ids: Int32Array, pos: number, slot: number) {
    if (!hasSlot && slot !== pos)
      throw new Error('generate: evicting needs a decode graph with a slot input');
    exec.setInput('tokens', ids);
    exec.setInput('pos', Int32Array.of(pos));
    if (hasSlot) exec.setInput('slot', Int32Array.of(slot));
    await exec.step();
    return exec.readOutputs(['logits']);
  }

  async generate(prompt: readonly number[], o: GenerateOptions): Promise<Generation> {
    if (prompt.length === 0) throw new Error('generate: empty prompt');
    const C = this.chunked?.chunk ?? 1;
    const kv = o.kv;
    if (kv) {
      if (!this.model.retain)
        throw new Error('generate: a KV budget needs retention scores (kv_retain), e.g. apply locret');
      if (kv.budget < 1 || kv.budget + C > this.maxT)
        throw new Error(`generate: budget ${kv.budget} + chunk ${C} exceed the cache rows (${this.maxT})`);
      const grouped = new Set(this.model.retain.flatMap((g) => [g.score, ...g.caches]));
      const loose = this.caches.find((c) => !grouped.has(c.name));
      if (loose) throw new Error(`generate: cache ${loose.name} has no retention scores to evict by`);
    } else {
      // The last prompt chunk (padded) writes rows lastStart..lastStart+C-1.
      const lastStart = Math.floor((prompt.length - 1) / C) * C;
      if (prompt.length + o.maxTokens > this.maxT || lastStart + C > this.maxT)
        throw new Error(
          `generate: prompt (${prompt.length}, chunks of ${C}) + max tokens (${o.maxTokens}) exceed the cache (${this.maxT})`,
        );
    }
    const execs = this.chunked ? [this.exec, this.chunked.exec] : [this.exec];
    for (const e of execs) for (const c of this.caches) e.setParam(c.name, new Float32Array(c.size));
    const rand = uniform(o.seed ?? 0);
    const ev = kv ? new Evictor(this.model.retain!, this.caches, kv, o.seed ?? 0, o.onEvict) : undefined;
    let len = 0; // filled cache rows
    let logits: Float32Array = new Float32Array(0);
    if (this.chunked) {
      const ch = this.chunked;
      for (let i = 0; i < prompt.length; i += C) {
        const n = Math.min(C, prompt.length - i);
        const ids = new Int32Array(C);
        ids.set(prompt.slice(i, i + n));
        const all = (await this.run(ch.exec, ch.hasSlot, ids, i, len)).logits;
        logits = all.slice((n - 1) * this.model.vocab, n * this.model.vocab);
        ev?.append(i, n);
        len += n;
        if (ev && len > kv!.budget) len = await ev.evict(ch.exec, len);
      }
      if (o.maxTokens > 1)
        for (const c of this.caches) this.exec.setParam(c.name, await ch.exec.getParam(c.name));
    } else
      for (let i = 0; i < prompt.length; i++) {
        if (ev && len + 1 > this.maxT) len = await ev.evict(this.exec, len);
        logits = await this.step(prompt[i], i, len);
        ev?.append(i, 1);
        len++;
      }
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
      if (n + 1 < o.maxTokens) {
        if (ev && len + 1 > this.maxT) len = await ev.evict(this.exec, len);
        logits = await this.step(next, prompt.length + n, len);
        ev?.append(prompt.length + n, 1);
        len++;
      }
    }
    return { tokens, text: text ?? o.decode?.(tokens), finish, ...(o.keepLogits ? { logits: kept } : {}) };
  }

  destroy(): void {
    this.exec.destroy();
    this.chunked?.exec.destroy();
  }
}

/** Host bookkeeping of a budgeted cache: every row's position per layer and head. */
class Evictor {
  private readonly pos: Int32Array[][];
  private readonly rand: () => number;
  constructor(
    private readonly groups: readonly RetainGroup[],
    private readonly caches: readonly CacheLeaf[],
    private readonly kv: KvBudget,
    seed: number,
    private readonly onEvict?: (e: EvictEvent) => void,
  ) {
    this.rand = uniform(seed + 0x51f);
    this.pos = groups.map((g) => {
      const leaf = this.leaf(g.caches[0]);
      const rows = leaf.shape[leaf.shape.length - 2];
      return Array.from({ length: this.heads(leaf) }, () => new Int32Array(rows).fill(-1));
    });
  }

  private leaf(name: string): CacheLeaf {
    return this.caches.find((c) => c.name === name)!;
  }

  /** Heads of a [1, H, rows, dh] cache leaf (batch 1: all axes before rows). */
  private heads(c: CacheLeaf): number {
    return c.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  }

  /** Rows len.. now hold positions p0..p0+n-1 (every layer and head). */
  append(p0: number, n: number): void {
    for (const heads of this.pos)
      for (const p of heads) {
        const len = p.indexOf(-1) < 0 ? p.length : p.indexOf(-1);
        for (let i = 0; i < n; i++) p[len + i] = p0 + i;
      }
  }

  /** Cut every layer's cache on `exec` to the budget; the new filled-row count. */
  async evict(exec: Executor, len: number): Promise<number> {
    const local = this.kv.local ?? Math.min(Math.floor(this.kv.budget / 4), 16);
    let held = len;
    for (let gi = 0; gi < this.groups.length; gi++) {
      const g = this.groups[gi];
      const sLeaf = this.leaf(g.score);
      const rows = sLeaf.shape[sLeaf.shape.length - 2];
      const scoreHeads = sLeaf.shape[sLeaf.shape.length - 1];
      const first = this.leaf(g.caches[0]);
      const heads = this.heads(first);
      if (scoreHeads !== heads && scoreHeads !== 1)
        throw new Error(`generate: ${g.score} scores ${scoreHeads} heads, its cache has ${heads}`);
      let scores = await exec.getParam(g.score);
      if (this.kv.policy === 'random') scores = Float32Array.from(scores, () => this.rand());
      const before = this.pos[gi];
      const keep = keepRows(scores, before, { len, heads, scoreHeads, budget: this.kv.budget, local });
      for (const c of g.caches) {
        const leaf = this.leaf(c);
        const width = leaf.shape[leaf.shape.length - 1];
        exec.setParam(c, compactRows(await exec.getParam(c), heads, rows, width, keep));
      }
      exec.setParam(g.score, compactScores(await exec.getParam(g.score), rows, scoreHeads, keep));
      this.pos[gi] = compactPositions(before, keep);
      held = keep[0].length;
      this.onEvict?.({
        score: g.score,
        len,
        scores: scores.slice(0, len * scoreHeads),
        scoreHeads,
        before: before.map((p) => p.slice(0, len)),
        kept: keep.map((k, h) => Int32Array.from(k, (j) => before[h][j])),
      });
    }
    return held;
  }
}
