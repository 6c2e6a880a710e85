// `ftl export` / `ftl merge`: a finished run's folder (run.json + model.safetensors under
// ftl names) -> a full Hugging Face folder with every method's merge rules folded into the
// base weights (compiler/train/merge.ts mergedParams), plus, for LoRA runs, a PEFT adapter
// folder (adapter_model.safetensors + adapter_config.json) under `<to>/adapter`.
//
//   exportRun(runDir, toDir, { adapter }) -> Result<{ files, adapterFiles? }>
// The recipe is re-elaborated (no training graph) to get the model tree and its merge
// rules; the tokenizer is the one the recipe's data used (a model folder's tokenizer.json,
// or the byte tokenizer as a no-merge byte-level BPE).

import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { parse } from '../../grammar/index.ts';
import { buildForwardGraph } from '../../compiler/train/build.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { allParams, type ModelTree } from '../../compiler/elaborate/tree.ts';
import { TraceError, toDiagnostic } from '../../compiler/trace/errors.ts';
import { loraConfig, writeAdapter } from '../checkpoint/adapter.ts';
import { readSafetensors } from '../checkpoint/safetensors.ts';
import { f32, type HostTensor } from '../checkpoint/tensor.ts';
import { trainBpe } from '../tokenizer/train-bpe.ts';
import { readRunInfo } from '../train/resume.ts';
import { archOf, writeHfFolder, type Arch, type NamedTensor } from './hf-folder.ts';
import { EOS } from './init-model.ts';
import { hfModule } from './peft-names.ts';

type R<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };
const bad = (message: string, hint?: string): R<never> => ({
  ok: false,
  diagnostics: [{ code: 'FTL0765', severity: 'error', message, hint }],
});

/** The tokenizer the recipe's data used: its folder's files, or the byte tokenizer. */
function tokenizerOf(
  stages: readonly { op: string; args: Record<string, unknown> }[],
  recipeDir: string,
  vocab: number,
) {
  const t = stages.find((s) => s.op === 'tokenize')?.args.tokenizer;
  if (typeof t === 'string' && t !== 'bytes') return { copyFrom: dirname(resolve(recipeDir, t)) };
  return { json: trainBpe('', { merges: 0, specials: vocab > 256 ? [EOS] : [] }) };
}

/** LoRA factors (`m.lora_a`, `m.lora_b`) of a tree, with r and alpha from the method's scope. */
function loraOf(tree: ModelTree): { modules: string[]; r: number; alpha: number } | undefined {
  const added = allParams(tree.root).filter((p) => p.added);
  if (added.length === 0 || !added.every((p) => /\.lora_[ab]$/.test(p.name))) return undefined;
  const rule = tree.merges[0];
  const r = rule?.scope.lookup('r');
  const alpha = rule?.scope.lookup('alpha');
  if (typeof r !== 'number' || typeof alpha !== 'number') return undefined;
  return { modules: [...new Set(added.map((p) => p.name.replace(/\.lora_[ab]$/, '')))], r, alpha };
}

/** max_position_embeddings of the folder a `model.load(dir)` read its weights from, if any. */
function loadedContext(tree: ModelTree): number | undefined {
  const init = allParams(tree.root).find((p) => p.init.kind === 'data')?.init;
  if (init?.kind !== 'data') return undefined;
  const dir = init.source.slice(0, init.source.lastIndexOf(':'));
  try {
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return typeof c.max_position_embeddings === 'number' ? c.max_position_embeddings : undefined;
  } catch {
    return undefined;
  }
}

export function exportRun(
  runDir: string,
  toDir: string,
  opts: { adapter?: boolean } = {},
): R<{ files: string[]; adapterFiles?: string[] }> {
  const info = readRunInfo(runDir);
  if (!info.ok) return info;
  const file = info.value.recipe;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    return bad(`cannot read the run's recipe ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const parsed = parse(source, file);
  const built = buildForwardGraph(
    { file, program: parsed.ast },
    { parse, recipe: info.value.name ?? undefined },
  );
  if (!('tree' in built)) return { ok: false, diagnostics: built.diagnostics };
  const tree = built.tree;
  const arch: Arch | undefined = archOf(tree.root.kind);
  if (!arch)
    return bad(
      `the model \`${tree.root.kind}\` has no Hugging Face layout to export to`,
      'export works for gpt2 and llama models',
    );
  const weights = readSafetensors(join(runDir, 'model.safetensors'));
  if (!weights.ok) return weights;
  const values = new Map(Object.entries(weights.value.tensors).map(([k, t]) => [k, t.data as Float32Array]));
  const missing = built.params.find((p) => !values.has(p.name));
  if (missing)
    return bad(`${runDir}/model.safetensors has no \`${missing.name}\``, 'was it written by this recipe?');
  let merged: Map<string, Float32Array>;
  try {
    merged = mergedParams(tree, values);
  } catch (e) {
    if (e instanceof TraceError) return { ok: false, diagnostics: [toDiagnostic(e)] };
    throw e;
  }
  const shapes = new Map(allParams(tree.root).map((p) => [p.name, p.shape]));
  const params = new Map<string, NamedTensor>(
    [...merged].map(([k, v]) => [k, { shape: shapes.get(k)!, data: v }]),
  );
  const vocab = Number(tree.root.config.get('vocab'));
  const tok = tokenizerOf(built.dataSpec.stages as never, dirname(file), vocab);
  // Llama has no context length of its own: keep a loaded model's, else 2048 (>= training's).
  const seq = built.dataSpec.fields[0]?.shape[1];
  const loadedCtx = loadedContext(tree);
  const w = writeHfFolder(resolve(toDir), {
    arch,
    config: tree.root.config,
    ctx: loadedCtx ?? Math.max(seq ?? 0, 2048),
    params,
    tokenizer: tok.json ? { json: tok.json, names: vocab > 256 ? { eos: EOS } : {} } : undefined,
  });
  if (!w.ok) return w;
  const files = [...w.value.files];
  if (tok.copyFrom)
    for (const f of ['tokenizer.json', 'tokenizer_config.json'])
      if (existsSync(join(tok.copyFrom, f)))
        (copyFileSync(join(tok.copyFrom, f), join(toDir, f)), files.push(f));
  if (opts.adapter === false) return { ok: true, value: { files } };
  const lora = loraOf(tree);
  if (!lora) return { ok: true, value: { files } };
  const tensors: Record<string, HostTensor> = {};
  const names: Record<string, string> = {};
  for (const m of lora.modules)
    for (const [ours, peft] of [
      ['lora_a', 'A'],
      ['lora_b', 'B'],
    ] as const) {
      const n = `${m}.${ours}`;
      tensors[n] = f32(shapes.get(n)!, values.get(n)!);
      names[n] = `base_model.model.${hfModule(arch, m)}.lora_${peft}.weight`;
    }
  const targets = [...new Set(lora.modules.map((m) => m.split('.').pop()!))];
  mkdirSync(join(toDir, 'adapter'), { recursive: true });
  const a = writeAdapter(
    join(toDir, 'adapter'),
    tensors,
    names,
    loraConfig({ r: lora.r, alpha: lora.alpha, targetModules: targets }),
  );
  if (!a.ok) return a;
  return { ok: true, value: { files, adapterFiles: a.value.files.map((f) => `adapter/${f}`) } };
}
