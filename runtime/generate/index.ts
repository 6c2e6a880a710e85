// Generation, public API: from a Hugging Face model folder (and a PEFT LoRA adapter), or a
// run's output folder (exported with adapters merged on the fly), to text.
//
//   generateText({ model, adapter?, prompt, maxTokens, temperature?, topK?, topP?, seed?,
//                  stop?, device?, handle?, chunk?, kvBudget?, local? })
//     -> Result<{ text, tokens, finish, device, evictions }>
// `chunk` C > 1 prefills the prompt C tokens per step; `kvBudget` B keeps at most B cached
// entries per layer and head after every chunk (Locret; the model needs retention scores,
// i.e. a run folder whose recipe applied `locret`: its graph is traced from the run's own
// recipe with the run's weights, retaining heads included, instead of the exported folder).
// Lower-level pieces: decodeGraph/fullGraph (decode-graph.ts), Generator (generate.ts),
// sampling (sample.ts), folderModel (model-folder.ts).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readSafetensors } from '../checkpoint/safetensors.ts';
import { readRunInfo } from '../train/resume.ts';
import { readModel } from '../export/model-source.ts';
import { allParams } from '../../compiler/elaborate/tree.ts';
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

/** The recipe and weights of a run folder: traced instead of the exported folder. */
interface RunModel {
  source: string;
  file: string;
  values: Map<string, Float32Array>;
}

type R<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };
const bad = (message: string, hint?: string): R<never> => ({
  ok: false,
  diagnostics: [{ code: 'FTL0762', severity: 'error', message, hint }],
});

/** The model's context length from config.json (n_positions / max_position_embeddings). */
function contextOf(dir: string): number {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const n = c.n_positions ?? c.n_ctx ?? c.max_position_embeddings;
  return typeof n === 'number' ? n : 2048;
}

/** A run folder (run.json, no config.json) is exported, merged, to a temporary HF folder first. */
function modelFolderOf(dir: string): R<string> {
  if (existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'run.json')))
    return { ok: true, value: dir };
  const to = mkdtempSync(join(tmpdir(), 'ftl-generate-'));
  const r = exportRun(dir, to, { adapter: false });
  return r.ok ? { ok: true, value: to } : r;
}

function runModel(dir: string): R<RunModel & { baseDir: string }> {
  const info = readRunInfo(dir);
  if (!info.ok) return info;
  const w = readSafetensors(join(dir, 'model.safetensors'));
  if (!w.ok) return w;
  const values = new Map(Object.entries(w.value.tensors).map(([k, t]) => [k, Float32Array.from(t.data)]));
  const source = readFileSync(info.value.recipe, 'utf8');
  const m = readModel(source, info.value.recipe);
  if (!m.ok) return m;
  const init = allParams(m.value.tree.root).find((p) => p.init.kind === 'data')?.init;
  if (init?.kind !== 'data')
    return bad(
      `--kv-budget on a run folder needs a recipe whose model is loaded from a model folder`,
      'use `model = gpt2.load(dir)` (or llama) in the recipe',
    );
  const baseDir = init.source.slice(0, init.source.lastIndexOf(':'));
  return { ok: true, value: { source, file: info.value.recipe, values, baseDir } };
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
    // The run's own recipe and weights (retaining heads included); tokenizer and context
    // from the folder its model was loaded from (a run's checkpoint holds only the weights
    // its training graph used, so it is not exported first).
    const r = runModel(o.model);
    if (!r.ok) return r;
    return generateFromFolder({ ...o, model: r.value.baseDir }, r.value);
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

async function generateFromFolder(o: TextOptions, run?: RunModel): Promise<Out> {
  const fm = folderModel(o.model, o.adapter);
  if (!fm.ok) return fm;
  const f = run
    ? { value: { ...fm.value, source: run.source, file: run.file, adapterValues: run.values } }
    : fm;
  const tok = loadTokenizerFolder(resolve(o.model));
  if (!tok.ok) return tok;
  const t = tok.value;
  const prompt = [...(t.addBos && t.bosId !== undefined ? [t.bosId] : []), ...t.encode(o.prompt)];
  if (prompt.length === 0) return bad('the prompt is empty', 'pass --prompt TEXT');
  const ctx = contextOf(resolve(o.model));
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
    const d = decodeGraph(f.value.source, f.value.file, rows, { chunk, slot: budget !== undefined });
    if (!d.ok) return d;
    for (const [k, v] of f.value.adapterValues) {
      const cur = d.value.values.get(k);
      if (!cur) {
        if (run) continue; // optimizer state and other non-model leaves of the run
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
