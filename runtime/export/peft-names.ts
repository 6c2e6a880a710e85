// Module names between ftl's model tree and Hugging Face / PEFT, for adapter folders.
//
//   Llama: ftl paths are HF's without the `model.` prefix: layers.0.self_attn.q_proj
//          <-> model.layers.0.self_attn.q_proj (exact PEFT names).
//   GPT-2: blocks.N <-> transformer.h.N; attn.o, mlp.fc, mlp.proj <-> attn.c_proj, mlp.c_fc,
//          mlp.c_proj (Conv1D modules PEFT adapts with fan_in_fan_out). HF fuses q, k, v into
//          one `c_attn`, so a LoRA on ftl's separate attn.q / attn.k / attn.v has no PEFT
//          equivalent: those are written as transformer.h.N.attn.{q,k,v}, which ftl reads back
//          and PEFT does not (export the merged model for other tools).
// A LoRA factor's tensor is `base_model.model.<hf module>.lora_{A,B}.weight` (adapter.ts).

import type { Arch } from './hf-folder.ts';

const GPT2_MODULES: Record<string, string> = {
  'attn.o': 'attn.c_proj',
  'mlp.fc': 'mlp.c_fc',
  'mlp.proj': 'mlp.c_proj',
};

export function hfModule(arch: Arch, path: string): string {
  if (arch === 'llama') return path.startsWith('lm_head') ? path : `model.${path}`;
  const m = /^blocks\.(\d+)\.(.+)$/.exec(path);
  if (!m) return `transformer.${path}`;
  return `transformer.h.${m[1]}.${GPT2_MODULES[m[2]] ?? m[2]}`;
}

export function ftlModule(arch: Arch, hf: string): string {
  if (arch === 'llama') return hf.replace(/^model\./, '');
  const m = /^transformer\.h\.(\d+)\.(.+)$/.exec(hf);
  if (!m) return hf.replace(/^transformer\./, '');
  const back = Object.entries(GPT2_MODULES).find(([, v]) => v === m[2]);
  return `blocks.${m[1]}.${back ? back[0] : m[2]}`;
}

/** `base_model.model.X.lora_A.weight` -> { module: X, factor: 'A' }. */
export function parsePeftName(name: string): { module: string; factor: 'A' | 'B' } | undefined {
  const m = /^base_model\.model\.(.+)\.lora_(A|B)\.weight$/.exec(name);
  return m ? { module: m[1], factor: m[2] as 'A' | 'B' } : undefined;
}
