// A Hugging Face model folder (and optionally a PEFT LoRA adapter folder) as the recipe
// text the generator traces: `model = gpt2.load(dir)` (or llama, by config.json's
// model_type), plus `apply lora(r:, alpha:, targets: "{module,...}")` with the adapter's
// modules, and the adapter's factors as values to override the LoRA parameters with.
//
//   folderModel(modelDir, adapterDir?) -> { source, file, arch, adapterValues } | diagnostics

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { readAdapter } from '../checkpoint/adapter.ts';
import type { Arch } from '../export/hf-folder.ts';
import { ftlModule, parsePeftName } from '../export/peft-names.ts';

export interface FolderModel {
  readonly source: string;
  /** A virtual recipe path (diagnostics name it). */
  readonly file: string;
  readonly arch: Arch;
  /** ftl leaf name (`layers.0.self_attn.q_proj.lora_a`) -> value. */
  readonly adapterValues: Map<string, Float32Array>;
}

const bad = (message: string, hint?: string): { ok: false; diagnostics: Diagnostic[] } => ({
  ok: false,
  diagnostics: [{ code: 'FTL0761', severity: 'error', message, hint }],
});

const ARCHS: Record<string, Arch> = {
  gpt2: 'gpt2',
  llama: 'llama',
  mistral: 'llama',
  smollm: 'llama',
  qwen2: 'llama',
};

export function folderModel(
  modelDir: string,
  adapterDir?: string,
): { ok: true; value: FolderModel } | { ok: false; diagnostics: Diagnostic[] } {
  const dir = resolve(modelDir);
  let cfg: { model_type?: string };
  try {
    cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  } catch (e) {
    return bad(
      `cannot read ${join(dir, 'config.json')}: ${(e as Error).message}`,
      'point --model at a Hugging Face model folder',
    );
  }
  const arch = ARCHS[cfg.model_type ?? ''];
  if (!arch)
    return bad(
      `model_type \`${cfg.model_type}\` has no stdlib model`,
      `supported: ${Object.keys(ARCHS).join(', ')}`,
    );
  let source = `import std.models.${arch}\nimport std.methods.lora\nrecipe generate {\n  model = ${arch}.load(${JSON.stringify(dir)})\n`;
  const adapterValues = new Map<string, Float32Array>();
  if (adapterDir) {
    if (!existsSync(adapterDir)) return bad(`no adapter folder ${adapterDir}`);
    const a = readAdapter(adapterDir);
    if (!a.ok) return a;
    const c = a.value.config;
    if (c.peft_type !== 'LORA' || typeof c.r !== 'number' || typeof c.lora_alpha !== 'number')
      return bad(`${adapterDir} is not a LoRA adapter (peft_type ${JSON.stringify(c.peft_type)})`);
    const modules = new Set<string>();
    for (const [name, t] of Object.entries(a.value.tensors)) {
      const p = parsePeftName(name);
      if (!p)
        return bad(
          `adapter tensor \`${name}\` is not a LoRA factor (base_model.model.<module>.lora_A/B.weight)`,
        );
      const m = ftlModule(arch, p.module);
      modules.add(m);
      adapterValues.set(`${m}.lora_${p.factor.toLowerCase()}`, Float32Array.from(t.data));
    }
    source += `  apply lora(r: ${c.r}, alpha: ${c.lora_alpha}, targets: ${JSON.stringify(`{${[...modules].sort().join(',')}}`)})\n`;
  }
  source += '}\n';
  return { ok: true, value: { source, file: join(process.cwd(), 'generate.ftl'), arch, adapterValues } };
}
