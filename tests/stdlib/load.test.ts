// `gpt2.load(dir)` / `llama.load(dir)`: config from config.json, weights from a Hugging Face
// layout safetensors folder. The folders are written here from the Hugging Face layout as
// documented by transformers (GPT-2 Conv1D [in, out] with q|k|v fused in c_attn; Llama
// `model.` keys, lm_head tied to embed_tokens when absent).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { buildForwardGraph, type ForwardBuild } from '../../compiler/train/build.ts';
import { writeModelFolder } from '../../runtime/checkpoint/sharded.ts';
import { f32 } from '../../runtime/checkpoint/tensor.ts';

const rand = (n: number, salt: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + salt));

function build(dir: string, text: string) {
  const file = join(dir, 'r.ftl');
  const r = buildForwardGraph({ file, program: parse(text, file).ast }, { parse });
  return r;
}

describe('model.load', () => {
  it('maps a GPT-2 checkpoint (fused c_attn, Conv1D layout, transformer. prefix)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-load-'));
    const [V, C, D, H, L] = [11, 8, 6, 2, 1];
    const hf = join(dir, 'hf');
    const tensors: Record<string, ReturnType<typeof f32>> = {
      'transformer.wte.weight': f32([V, D], rand(V * D, 1)),
      'transformer.wpe.weight': f32([C, D], rand(C * D, 2)),
      'transformer.ln_f.weight': f32([D], rand(D, 3)),
      'transformer.ln_f.bias': f32([D], rand(D, 4)),
    };
    const h = 'transformer.h.0';
    tensors[`${h}.ln_1.weight`] = f32([D], rand(D, 5));
    tensors[`${h}.ln_1.bias`] = f32([D], rand(D, 6));
    tensors[`${h}.ln_2.weight`] = f32([D], rand(D, 7));
    tensors[`${h}.ln_2.bias`] = f32([D], rand(D, 8));
    tensors[`${h}.attn.c_attn.weight`] = f32([D, 3 * D], rand(3 * D * D, 9));
    tensors[`${h}.attn.c_attn.bias`] = f32([3 * D], rand(3 * D, 10));
    tensors[`${h}.attn.c_proj.weight`] = f32([D, D], rand(D * D, 11));
    tensors[`${h}.attn.c_proj.bias`] = f32([D], rand(D, 12));
    tensors[`${h}.mlp.c_fc.weight`] = f32([D, 4 * D], rand(4 * D * D, 13));
    tensors[`${h}.mlp.c_fc.bias`] = f32([4 * D], rand(4 * D, 14));
    tensors[`${h}.mlp.c_proj.weight`] = f32([4 * D, D], rand(4 * D * D, 15));
    tensors[`${h}.mlp.c_proj.bias`] = f32([D], rand(D, 16));
    expect(writeModelFolder(hf, tensors).ok).toBe(true);
    writeFileSync(
      join(hf, 'config.json'),
      JSON.stringify({
        model_type: 'gpt2',
        vocab_size: V,
        n_positions: C,
        n_embd: D,
        n_head: H,
        n_layer: L,
        layer_norm_epsilon: 1e-5,
      }),
    );
    const r = build(
      dir,
      `import std.models.gpt2\nimport std.losses.causal_lm\nrecipe r {\n  model = gpt2.load("hf")\n  data = text("x.txt") |> tokenize(model.tokenizer) |> chunks(seq: 4) |> batch(1)\n  loss = causal_lm\n}`,
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    const vals = (r as ForwardBuild).initialValues(0);
    expect(vals.get('wte.weight')).toEqual(tensors['transformer.wte.weight'].data);
    // q/k/v: column blocks of c_attn, transposed to [out, in]; o/fc/proj: transposed.
    const cat = tensors[`${h}.attn.c_attn.weight`].data;
    const k = vals.get('blocks.0.attn.k.weight')!;
    for (let o = 0; o < D; o++) for (let i = 0; i < D; i++) expect(k[o * D + i]).toBe(cat[i * 3 * D + D + o]);
    expect(Array.from(vals.get('blocks.0.attn.v.bias')!)).toEqual(
      Array.from(tensors[`${h}.attn.c_attn.bias`].data.subarray(2 * D)),
    );
    const fc = vals.get('blocks.0.mlp.fc.weight')!;
    const cfc = tensors[`${h}.mlp.c_fc.weight`].data;
    for (let o = 0; o < 4 * D; o++)
      for (let i = 0; i < D; i++) expect(fc[o * D + i]).toBe(cfc[i * 4 * D + o]);
  });

  it('loads Llama with tied embeddings and reports missing tensors with the load span', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-load-'));
    const hf = join(dir, 'hf');
    const [V, D, H, KV, F] = [7, 4, 2, 1, 6];
    const t: Record<string, ReturnType<typeof f32>> = {
      'model.embed_tokens.weight': f32([V, D], rand(V * D, 1)),
      'model.norm.weight': f32([D], rand(D, 2)),
      'model.layers.0.input_layernorm.weight': f32([D], rand(D, 3)),
      'model.layers.0.post_attention_layernorm.weight': f32([D], rand(D, 4)),
      'model.layers.0.self_attn.q_proj.weight': f32([D, D], rand(D * D, 5)),
      'model.layers.0.self_attn.k_proj.weight': f32([D / H, D], rand(2 * D, 6)),
      'model.layers.0.self_attn.v_proj.weight': f32([D / H, D], rand(2 * D, 7)),
      'model.layers.0.self_attn.o_proj.weight': f32([D, D], rand(D * D, 8)),
      'model.layers.0.mlp.gate_proj.weight': f32([F, D], rand(F * D, 9)),
      'model.layers.0.mlp.up_proj.weight': f32([F, D], rand(F * D, 10)),
      'model.layers.0.mlp.down_proj.weight': f32([D, F], rand(F * D, 11)),
    };
    expect(writeModelFolder(hf, t).ok).toBe(true);
    const config = {
      model_type: 'llama',
      vocab_size: V,
      hidden_size: D,
      num_attention_heads: H,
      num_key_value_heads: KV,
      num_hidden_layers: 1,
      intermediate_size: F,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
    };
    writeFileSync(join(hf, 'config.json'), JSON.stringify(config));
    const text = `import std.models.llama\nimport std.losses.causal_lm\nrecipe r {\n  model = llama.load("hf")\n  data = text("x.txt") |> chunks(seq: 4) |> batch(1)\n  loss = causal_lm\n}`;
    const r = build(dir, text) as ForwardBuild;
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    const vals = r.initialValues(0);
    expect(vals.get('lm_head.weight')).toEqual(t['model.embed_tokens.weight'].data);
    expect(vals.get('layers.0.self_attn.k_proj.weight')).toEqual(
      t['model.layers.0.self_attn.k_proj.weight'].data,
    );
    // One layer more than the checkpoint has: a diagnostic at the recipe's `model = ...`.
    writeFileSync(join(hf, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 2 }));
    const bad = build(dir, text);
    expect(bad.diagnostics.map((d) => [d.code, d.span?.line])).toEqual([['FTL0411', 4]]);
    expect(bad.diagnostics[0].message).toContain('layers.1.');
  });
});
