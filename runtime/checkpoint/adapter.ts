// PEFT adapter folders, the layout Hugging Face's `peft` library loads:
//   adapter_model.safetensors   tensors under PEFT names, e.g.
//                               "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
//   adapter_config.json         {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": [...], ...}
// ftl's own parameter names differ from PEFT's; the caller (the model's checkpoint mapping)
// supplies the renaming, and this module only writes and reads the files.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Result, ok, fail, type JsonValue } from '../data/result.ts';
import type { HostTensor } from './tensor.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';
import { writeTextAtomic } from './atomic.ts';

export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
export const ADAPTER_CONFIG = 'adapter_config.json';

/** ftl name -> PEFT name; a function returning undefined (or a map lacking the name) drops the tensor. */
export type NameMap = Readonly<Record<string, string>> | ((ftlName: string) => string | undefined);

/** PEFT's name for a LoRA factor of the Hugging Face module `hfModule` (e.g. "model.layers.0.self_attn.q_proj"). */
export const peftLoraName = (hfModule: string, factor: 'A' | 'B'): string =>
  `base_model.model.${hfModule}.lora_${factor}.weight`;

export interface LoraConfigOptions {
  readonly r: number;
  readonly alpha: number;
  readonly dropout?: number;
  /** Hugging Face module names (leaf names such as "q_proj", or full paths). */
  readonly targetModules: readonly string[];
  readonly baseModel?: string;
}

/** An adapter_config.json object for LoRA with the fields PEFT requires. */
export function loraConfig(o: LoraConfigOptions): Record<string, JsonValue> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: o.r,
    lora_alpha: o.alpha,
    lora_dropout: o.dropout ?? 0,
    target_modules: [...o.targetModules],
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    base_model_name_or_path: o.baseModel ?? null,
  };
}

/** Write adapter_model.safetensors (renamed tensors) and adapter_config.json, each atomically. */
export function writeAdapter(
  dir: string,
  tensors: Readonly<Record<string, HostTensor>>,
  names: NameMap,
  config: Readonly<Record<string, JsonValue>>,
): Result<{ files: string[]; names: Record<string, string> }> {
  const rename = typeof names === 'function' ? names : (n: string) => names[n];
  const out: Record<string, HostTensor> = {};
  const used: Record<string, string> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const to = rename(name);
    if (to === undefined) continue;
    if (to in out) throw new Error(`adapter name map sends two tensors to \`${to}\``);
    out[to] = t;
    used[name] = to;
  }
  const w = writeSafetensors(path.join(dir, ADAPTER_WEIGHTS), out, { metadata: { format: 'pt' } });
  if (!w.ok) return w;
  try {
    writeTextAtomic(path.join(dir, ADAPTER_CONFIG), JSON.stringify(config, null, 2) + '\n');
  } catch (e) {
    return fail('FTL0708', path.join(dir, ADAPTER_CONFIG), `cannot write: ${(e as Error).message}`);
  }
  return ok({ files: [ADAPTER_WEIGHTS, ADAPTER_CONFIG], names: used });
}

/** Read an adapter folder back (tensors under their PEFT names). */
export function readAdapter(
  dir: string,
): Result<{ tensors: Record<string, HostTensor>; config: Record<string, JsonValue> }> {
  const cfgFile = path.join(dir, ADAPTER_CONFIG);
  let config: unknown;
  try {
    config = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  } catch (e) {
    return fail('FTL0709', cfgFile, `cannot read the adapter config: ${(e as Error).message}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    return fail('FTL0709', cfgFile, 'must be a JSON object');
  const w = readSafetensors(path.join(dir, ADAPTER_WEIGHTS));
  if (!w.ok) return w;
  return ok({ tensors: w.value.tensors, config: config as Record<string, JsonValue> });
}
