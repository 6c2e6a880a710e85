// Writing a model as a Hugging Face folder: config.json (HF field names), model.safetensors
// (HF tensor names and layouts) and, when given, tokenizer.json + tokenizer_config.json.
//
// The tensor mapping is the inverse of the loader's layout table (compiler/elaborate/
// hf-layouts.ts), so what `model.load(dir)` reads back is exactly what was written:
//   ours `blocks.N.attn.{q,k,v}.weight` [d, d]  -> `h.N.attn.c_attn.weight` [d, 3d] (columns
//        q | k | v, each transposed: GPT-2's Conv1D stores [in, out]);
//   ours `blocks.N.mlp.fc.weight` [4d, d]       -> `h.N.mlp.c_fc.weight` [d, 4d] (transposed);
//   Llama names are HF's (`model.` prefix added; `lm_head.weight` stays unprefixed).
// Column-sliced tensors are assembled from all their parts; a part missing is an internal error.

import { mkdirSync } from 'node:fs';
import { layoutFor } from '../../compiler/elaborate/hf-layouts.ts';
import { type Result, fail, ok } from '../data/result.ts';
import { writeTextAtomic } from '../checkpoint/atomic.ts';
import { writeModelFolder } from '../checkpoint/sharded.ts';
import { f32, type HostTensor } from '../checkpoint/tensor.ts';
import { writeTokenizerFolder, type SpecialTokenNames } from '../tokenizer/write.ts';

export type Arch = 'gpt2' | 'llama';

/** A parameter as the runtime holds it: ours name -> shape + row-major values. */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The stdlib model's config (ours names: vocab, d, heads, ...) as config.json. */
export function hfConfig(
  arch: Arch,
  cfg: ReadonlyMap<string, unknown>,
  ctx?: number,
): Record<string, unknown> {
  const n = (k: string, d?: number) => (typeof cfg.get(k) === 'number' ? (cfg.get(k) as number) : d);
  if (arch === 'gpt2')
    return {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      vocab_size: n('vocab'),
      n_positions: n('ctx', ctx),
      n_ctx: n('ctx', ctx),
      n_embd: n('d'),
      n_layer: n('layers'),
      n_head: n('heads'),
      n_inner: null,
      activation_function: 'gelu_new',
      layer_norm_epsilon: n('eps', 1e-5),
      tie_word_embeddings: true,
      torch_dtype: 'float32',
    };
  // Biases on q/k/v are Qwen2's layout (compiler/elaborate/hf-layouts.ts).
  const qwen2 = cfg.get('attn_bias') === true;
  return {
    architectures: [qwen2 ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: qwen2 ? 'qwen2' : 'llama',
    vocab_size: n('vocab'),
    hidden_size: n('d'),
    intermediate_size: n('hidden'),
    num_hidden_layers: n('n_layers'),
    num_attention_heads: n('heads'),
    num_key_value_heads: n('kv_heads', n('heads')),
    rms_norm_eps: n('eps', 1e-6),
    rope_theta: n('rope_base', 10000),
    hidden_act: 'silu',
    max_position_embeddings: ctx ?? 2048,
    tie_word_embeddings: false,
    attention_bias: false,
    torch_dtype: 'float32',
  };
}

/** Our parameters under their Hugging Face names and layouts (inverse of the loader table). */
export function toHfTensors(
  arch: Arch,
  cfg: ReadonlyMap<string, unknown>,
  params: ReadonlyMap<string, NamedTensor>,
): Result<Record<string, HostTensor>> {
  const layout = layoutFor(arch)!;
  const prefix = arch === 'llama' ? 'model.' : '';
  // HF key -> parts placed at column ranges of the last axis.
  const parts = new Map<
    string,
    { cols?: readonly [number, number]; shape: number[]; data: Float32Array }[]
  >();
  for (const [name, t] of params) {
    const src = layout.source(name, cfg);
    if (!src) return fail('FTL0706', name, `\`${name}\` has no Hugging Face name in the ${arch} layout`);
    let shape = [...t.shape];
    let data = t.data;
    if (src.transpose && shape.length === 2) {
      const [R, C] = shape;
      const out = new Float32Array(R * C);
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = data[r * C + c];
      data = out;
      shape = [C, R];
    }
    const key = name === 'lm_head.weight' ? src.key : prefix + src.key;
    const list = parts.get(key) ?? [];
    list.push({ cols: src.cols, shape, data });
    parts.set(key, list);
  }
  const out: Record<string, HostTensor> = {};
  for (const [key, ps] of parts) {
    if (ps.length === 1 && !ps[0].cols) {
      out[key] = f32(ps[0].shape, ps[0].data);
      continue;
    }
    // Column-sliced parts (GPT-2 c_attn): the full width is the largest end.
    const width = Math.max(...ps.map((p) => p.cols![1]));
    const covered = ps.reduce((s, p) => s + (p.cols![1] - p.cols![0]), 0);
    if (covered !== width)
      throw new Error(`hf-folder: ${key} is only partly covered (${covered} of ${width} columns)`);
    const lead = ps[0].shape.slice(0, -1);
    const rows = lead.reduce((a, b) => a * b, 1);
    const data = new Float32Array(rows * width);
    for (const p of ps) {
      const [a, b] = p.cols!;
      for (let r = 0; r < rows; r++) data.set(p.data.subarray(r * (b - a), (r + 1) * (b - a)), r * width + a);
    }
    out[key] = f32([...lead, width], data);
  }
  return ok(out);
}

export interface HfFolder {
  readonly arch: Arch;
  /** The model's elaborated config (tree.root.config). */
  readonly config: ReadonlyMap<string, unknown>;
  /** Context length for Llama's max_position_embeddings (GPT-2 has its own `ctx`). */
  readonly ctx?: number;
  /** Every base parameter (merged, whole) under our names. */
  readonly params: ReadonlyMap<string, NamedTensor>;
  /** tokenizer.json contents and special-token names, when the folder should carry one. */
  readonly tokenizer?: { json: object; names?: SpecialTokenNames };
}

/** Write config.json, model.safetensors and the tokenizer files into `dir`. */
export function writeHfFolder(dir: string, f: HfFolder): Result<{ files: string[] }> {
  const tensors = toHfTensors(f.arch, f.config, f.params);
  if (!tensors.ok) return tensors;
  try {
    mkdirSync(dir, { recursive: true });
    writeTextAtomic(`${dir}/config.json`, JSON.stringify(hfConfig(f.arch, f.config, f.ctx), null, 2) + '\n');
  } catch (e) {
    return fail('FTL0708', dir, `cannot write config.json: ${(e as Error).message}`);
  }
  const w = writeModelFolder(dir, tensors.value, { metadata: { producer: 'ftl' } });
  if (!w.ok) return w;
  const files = ['config.json', ...w.value.files];
  if (f.tokenizer) {
    const t = writeTokenizerFolder(dir, f.tokenizer.json, f.tokenizer.names);
    if (!t.ok) return t;
    files.push(...t.value.files);
  }
  return ok({ files });
}

/** The architecture name of a stdlib model declaration (`gpt2`, `llama`), if it has an HF layout. */
export function archOf(modelKind: string): Arch | undefined {
  return modelKind === 'gpt2' ? 'gpt2' : modelKind === 'llama' ? 'llama' : undefined;
}
