// Generation, public API: from a Hugging Face model folder (and a PEFT LoRA adapter), or a
// run's output folder (exported with adapters merged on the fly), to text.
//
//   generateText({ model, adapter?, prompt, maxTokens, temperature?, topK?, topP?, seed?,
//                  stop?, device?, handle? }) -> Result<{ text, tokens, finish, device }>
// Lower-level pieces: decodeGraph/fullGraph (decode-graph.ts), Generator (generate.ts),
// sampling (sample.ts), folderModel (model-folder.ts).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportRun } from '../export/export-run.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../device/index.ts';
import { loadTokenizerFolder } from '../tokenizer/hf-json.ts';
import { decodeGraph } from './decode-graph.ts';
import { Generator, type Generation } from './generate.ts';
import { folderModel } from './model-folder.ts';
import type { SamplingOptions } from './sample.ts';

export { decodeGraph, fullGraph, type ModelGraph } from './decode-graph.ts';
export { Generator, executorFor, type GenerateOptions, type Generation } from './generate.ts';
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

export async function generateText(
  o: TextOptions,
): Promise<R<Generation & { text: string; device: string }>> {
  const folder = modelFolderOf(o.model);
  if (!folder.ok) return folder;
  if (folder.value === o.model) return generateFromFolder(o);
  try {
    return await generateFromFolder({ ...o, model: folder.value });
  } finally {
    rmSync(folder.value, { recursive: true, force: true });
  }
}

async function generateFromFolder(o: TextOptions): Promise<R<Generation & { text: string; device: string }>> {
  const f = folderModel(o.model, o.adapter);
  if (!f.ok) return f;
  const tok = loadTokenizerFolder(resolve(o.model));
  if (!tok.ok) return tok;
  const t = tok.value;
  const prompt = [...(t.addBos && t.bosId !== undefined ? [t.bosId] : []), ...t.encode(o.prompt)];
  if (prompt.length === 0) return bad('the prompt is empty', 'pass --prompt TEXT');
  const ctx = contextOf(resolve(o.model));
  if (prompt.length + 1 > ctx)
    return bad(`the prompt has ${prompt.length} tokens; the model's context is ${ctx}`);
  const maxTokens = Math.min(o.maxTokens, ctx - prompt.length);
  const d = decodeGraph(f.value.source, f.value.file, prompt.length + maxTokens);
  if (!d.ok) return d;
  for (const [k, v] of f.value.adapterValues) {
    const cur = d.value.values.get(k);
    if (!cur) return bad(`the adapter has \`${k}\`, which the model does not`);
    if (cur.length !== v.length)
      return bad(
        `adapter tensor \`${k}\` has ${v.length} values, the model's ${cur.length}`,
        'was the adapter trained on this base model?',
      );
    d.value.values.set(k, v);
  }
  let handle = o.handle;
  if (o.device === 'webgpu' && !handle) {
    const h = await acquireDevice();
    if (isDeviceError(h)) return bad(h.error, `${h.fix}; or generate on the CPU with --device cpu`);
    handle = h;
  }
  const gen = await Generator.open(d.value, o.device === 'webgpu' ? handle : undefined);
  try {
    const r = await gen.generate(prompt, {
      ...o,
      maxTokens,
      eosId: t.eosId,
      decode: (ids) => t.decode(ids, { skipSpecials: true }),
    });
    return { ok: true, value: { ...r, text: r.text ?? '', device: gen.exec.description } };
  } finally {
    gen.destroy();
    if (handle && !o.handle) handle.destroy();
  }
}
