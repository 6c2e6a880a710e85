// Generation, public API: from a Hugging Face model folder (and a PEFT LoRA adapter), or a
// run's output folder (exported with adapters merged on the fly), to text.
//
//   generateText({ model, adapter?, prompt, maxTokens, temperature?, topK?, topP?, seed?,
//                  stop?, device?, handle?, chunk?, kvBudget?, local? })
//     -> Result<{ text, tokens, finish, device, evictions }>
// `chunk` C > 1 prefills the prompt C tokens per step; `kvBudget` B keeps at most B cached
// entries per layer and head after every chunk (Locret; the model needs retention scores,
// i.e. a run folder whose recipe applied `locret`: its graph is traced from the run's own
// recipe with the run's weights, retaining heads included (run-model.ts), instead of the
// merged export).
// Lower-level pieces: decodeGraph/fullGraph (decode-graph.ts), Generator (generate.ts),
// sampling (sample.ts), folderModel (model-folder.ts).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Tokenizer } from '../tokenizer/index.ts';
import { contextOf, runModel } from './run-model.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportRun } from '../export/export-run.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../device/index.ts';
import { loadTokenizerFolder } from '../tokenizer/hf-json.ts';
import { decodeGraph, type ModelGraph } from './decode-graph.ts';
import { Generator, type Generation } from './generate.ts';
import { folderModel } from './model-folder.ts';
import type { SamplingOptions } from './sample.ts';

export { decodeGraph, fullGraph, type ModelGraph } from './decode-graph.ts';
export {
  Generator,
  executorFor,
  type GenerateOptions,
  type Generation,
  type KvBudget,
  type EvictEvent,
} from './generate.ts';
export { keepRows, compactRows, compactScores } from './evict.ts';
export { folderModel } from './model-folder.ts';
export { sampleToken, candidates, argmax, uniform, type SamplingOptions } from './sample.ts';

export interface TextOptions extends SamplingOptions {
  model: string;
  adapter?: string;
  prompt: string;
  maxTokens: number;
  seed?: number;
  stop?: string[];
  device?: 'cpu' | 'webgpu';
  /** Reuse a device (tests); otherwise one is acquired for the call. */
  handle?: DeviceHandle;
  /** Prompt tokens per prefill step (default 1). */
  chunk?: number;
  /** Cached entries kept per layer and kv head (Locret eviction); none: keep all. */
  kvBudget?: number;
  /** Newest entries always kept under a budget (default min(budget / 4, 16)). */
  local?: number;
}

type R<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };
const bad = (message: string, hint?: string): R<never> => ({
  ok: false,
  diagnostics: [{ code: 'FTL0762', severity: 'error', message, hint }],
});

/** A run folder (run.json, no config.json) is exported, merged, to a temporary HF folder first. */
function modelFolderOf(dir: string): R<string> {
  if (existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'run.json')))
    return { ok: true, value: dir };
  const to = mkdtempSync(join(tmpdir(), 'ftl-generate-'));
  const r = exportRun(dir, to, { adapter: false });
  return r.ok ? { ok: true, value: to } : r;
}

type Out = R<Generation & { text: string; device: string; evictions: number }>;

export async function generateText(o: TextOptions): Promise<Out> {
  for (const [k, v] of [
    ['--chunk', o.chunk],
    ['--kv-budget', o.kvBudget],
  ] as const)
    if (v !== undefined && !(Number.isInteger(v) && v >= 1))
      return bad(`${k} must be a positive integer, got ${v}`);
  if (o.local !== undefined && o.kvBudget !== undefined && !(o.local >= 0 && o.local <= o.kvBudget))
    return bad(`--local must be in 0..${o.kvBudget} (the budget), got ${o.local}`);
  const isRun = !existsSync(join(o.model, 'config.json')) && existsSync(join(o.model, 'run.json'));
  if (isRun && o.kvBudget !== undefined) {
    // The run's own recipe and weights, retaining heads included (run-model.ts): a merged
    // export would drop the heads.
    const r = runModel(o.model);
    if (!r.ok) return r;
    return generateWith(o, { ...r.value, adapterValues: r.value.values, fromRun: true });
  }
  const folder = modelFolderOf(o.model);
  if (!folder.ok) return folder;
  if (folder.value === o.model) return generateFromFolder(o);
  try {
    return await generateFromFolder({ ...o, model: folder.value });
  } finally {
    rmSync(folder.value, { recursive: true, force: true });
  }
}

interface Source {
  readonly source: string;
  readonly file: string;
  /** Values to set over the traced model's initial ones (a LoRA adapter, a run's weights). */
  readonly adapterValues: Map<string, Float32Array>;
  readonly tokenizer: Tokenizer;
  readonly ctx: number;
  /** A run's values may name leaves the model lacks (optimizer state): skipped. */
  readonly fromRun?: boolean;
}

async function generateFromFolder(o: TextOptions): Promise<Out> {
  const f = folderModel(o.model, o.adapter);
  if (!f.ok) return f;
  const tok = loadTokenizerFolder(resolve(o.model));
  if (!tok.ok) return tok;
  return generateWith(o, { ...f.value, tokenizer: tok.value, ctx: contextOf(resolve(o.model)) });
}

async function generateWith(o: TextOptions, f: Source): Promise<Out> {
  const t = f.tokenizer;
  const prompt = [...(t.addBos && t.bosId !== undefined ? [t.bosId] : []), ...t.encode(o.prompt)];
  if (prompt.length === 0) return bad('the prompt is empty', 'pass --prompt TEXT');
  const ctx = f.ctx;
  if (prompt.length + 1 > ctx)
    return bad(`the prompt has ${prompt.length} tokens; the model's context is ${ctx}`);
  const maxTokens = Math.min(o.maxTokens, ctx - prompt.length);
  const C = o.chunk ?? 1;
  const budget = o.kvBudget;
  // Cache rows: budget + chunk with eviction; else the whole sequence (the last, padded
  // prompt chunk included).
  const rows =
    budget !== undefined
      ? budget + C
      : Math.max(prompt.length + maxTokens, Math.floor((prompt.length - 1) / C) * C + C);
  const graphs: ModelGraph[] = [];
  for (const chunk of C > 1 ? [1, C] : [1]) {
    const d = decodeGraph(f.source, f.file, rows, { chunk, slot: budget !== undefined });
    if (!d.ok) return d;
    for (const [k, v] of f.adapterValues) {
      const cur = d.value.values.get(k);
      if (!cur) {
        if (f.fromRun) continue; // optimizer state and other non-model leaves of the run
        return bad(`the adapter has \`${k}\`, which the model does not`);
      }
      if (cur.length !== v.length)
        return bad(
          `adapter tensor \`${k}\` has ${v.length} values, the model's ${cur.length}`,
          'was the adapter trained on this base model?',
        );
      d.value.values.set(k, v);
    }
    graphs.push(d.value);
  }
  if (budget !== undefined && !graphs[0].retain)
    return bad(
      '--kv-budget needs retention scores for the cache (kv_retain), and this model has none',
      'train retaining heads with `apply locret(...)` and generate from that run folder',
    );
  let handle = o.handle;
  if (o.device === 'webgpu' && !handle) {
    const h = await acquireDevice();
    if (isDeviceError(h)) return bad(h.error, `${h.fix}; or generate on the CPU with --device cpu`);
    handle = h;
  }
  const dev = o.device === 'webgpu' ? handle : undefined;
  const gen = await Generator.open(graphs[0], dev, graphs[1]);
  let evictions = 0;
  try {
    const r = await gen.generate(prompt, {
      ...o,
      maxTokens,
      eosId: t.eosId,
      decode: (ids) => t.decode(ids, { skipSpecials: true }),
      ...(budget !== undefined
        ? {
            kv: { budget, local: o.local },
            onEvict: (e) => void (evictions += e.score === graphs[0].retain![0].score ? 1 : 0),
          }
        : {}),
    });
    return { ok: true, value: { ...r, text: r.text ?? '', device: gen.exec.description, evictions } };
  } finally {
    gen.destroy();
    if (handle && !o.handle) handle.destroy();
  }
}
