// Hugging Face checkpoint layouts of the stdlib models: how `config.json` keys map onto a
// model's config parameters, and where each of our parameters lives in `model.safetensors`.
//
// A data table (one entry per architecture), not a method: `gpt2.load(dir)` and
// `llama.load(dir)` look their model's name (or config.json `model_type`) up here.
//
// GPT-2 stores Conv1D weights as [in, out] and q, k, v fused in `c_attn` ([d, 3d]); our
// `linear` is [out, in] with separate q, k, v, so those are column slices, transposed.
// Keys may carry a `transformer.` (GPT-2) or `model.` (Llama) prefix or not; both are tried.

/** Where one of our parameters comes from: a checkpoint tensor, optionally a column slice, optionally transposed. */
export interface Source {
  readonly key: string;
  /** Keep columns [start, end) of the last axis. */
  readonly cols?: readonly [number, number];
  readonly transpose?: boolean;
  /** Alternative keys (tied weights: lm_head <- embed_tokens). */
  readonly fallback?: readonly string[];
}

export interface HfLayout {
  /** Our config parameter -> config.json key (first present wins) or a fixed value. */
  readonly config: Readonly<Record<string, readonly string[]>>;
  /** Config parameters the architecture fixes (Qwen2's q/k/v biases), not read from config.json. */
  readonly fixed?: Readonly<Record<string, number | boolean>>;
  /** Key prefixes to try, in order ('' = none). */
  readonly prefixes: readonly string[];
  /** Source of our parameter `name`, given the elaborated config (d for column slices). */
  source(name: string, cfg: ReadonlyMap<string, unknown>): Source | undefined;
}

const gpt2: HfLayout = {
  config: {
    vocab: ['vocab_size'],
    ctx: ['n_positions', 'n_ctx'],
    d: ['n_embd'],
    heads: ['n_head'],
    layers: ['n_layer'],
    eps: ['layer_norm_epsilon'],
  },
  prefixes: ['', 'transformer.'],
  source(name, cfg) {
    const d = Number(cfg.get('d'));
    const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
    if (!m)
      return ['wte.weight', 'wpe.weight', 'ln_f.weight', 'ln_f.bias'].includes(name)
        ? { key: name }
        : undefined;
    const [, i, rest] = m;
    const h = `h.${i}`;
    const qkv = { q: 0, k: 1, v: 2 } as Record<string, number>;
    const a = /^attn\.([qkv])\.(weight|bias)$/.exec(rest);
    if (a) {
      const c = qkv[a[1]];
      return { key: `${h}.attn.c_attn.${a[2]}`, cols: [c * d, (c + 1) * d], transpose: a[2] === 'weight' };
    }
    const conv: Record<string, string> = {
      'attn.o': 'attn.c_proj',
      'mlp.fc': 'mlp.c_fc',
      'mlp.proj': 'mlp.c_proj',
    };
    const l = /^(attn\.o|mlp\.fc|mlp\.proj)\.(weight|bias)$/.exec(rest);
    if (l) return { key: `${h}.${conv[l[1]]}.${l[2]}`, transpose: l[2] === 'weight' };
    if (/^ln_[12]\.(weight|bias)$/.test(rest)) return { key: `${h}.${rest}` };
    return undefined;
  },
};

const llama: HfLayout = {
  config: {
    vocab: ['vocab_size'],
    d: ['hidden_size'],
    heads: ['num_attention_heads'],
    kv_heads: ['num_key_value_heads', 'num_attention_heads'],
    n_layers: ['num_hidden_layers'],
    hidden: ['intermediate_size'],
    eps: ['rms_norm_eps'],
    rope_base: ['rope_theta'],
  },
  prefixes: ['', 'model.'],
  source(name) {
    if (name === 'lm_head.weight') return { key: name, fallback: ['embed_tokens.weight'] };
    return { key: name };
  },
};

/** Qwen2: the Llama layout with biases on q_proj, k_proj and v_proj (HF `Qwen2Attention`). */
const qwen2: HfLayout = { ...llama, fixed: { attn_bias: true } };

const layouts: Record<string, HfLayout> = { gpt2, llama, mistral: llama, smollm: llama, qwen2 };

export function layoutFor(modelName: string, modelType?: string): HfLayout | undefined {
  const byName = layouts[modelName];
  const byType = modelType ? layouts[modelType] : undefined;
  // config.json's model_type picks a variant of the same family (qwen2 for llama.load).
  if (byName && byType && byType.config === byName.config) return byType;
  return byName ?? byType;
}

export const layoutNames = (): string[] => Object.keys(layouts);
