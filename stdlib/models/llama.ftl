import std.nn.linear
import std.nn.embedding
import std.nn.rmsnorm
import std.nn.attention
import std.nn.mlp

/// Llama attention: q_proj/k_proj/v_proj/o_proj (biases on q, k, v only with `attn_bias`,
/// as Qwen2 has them), RoPE on q and k, grouped-query heads (`kv_heads` key/value heads
/// shared by `heads` query heads).
module llama_attention(d: int, heads: int, kv_heads: int, rope_base: float = 10000.0, attn_bias: bool = false) {
  let dh = d / heads
  q_proj = linear(d, heads * dh, attn_bias)
  k_proj = linear(d, kv_heads * dh, attn_bias)
  v_proj = linear(d, kv_heads * dh, attn_bias)
  o_proj = linear(heads * dh, d, false)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let q = rope(split_heads(q_proj(x), heads), base: rope_base)     // (B, H, T, dh)
    let k = rope(split_heads(k_proj(x), kv_heads), base: rope_base)  // (B, Hkv, T, dh)
    let v = split_heads(v_proj(x), kv_heads)
    return o_proj(merge_heads(causal_attention(q, k, v)))
  }
}

/// One Llama decoder layer: RMSNorm -> attention -> residual, RMSNorm -> SwiGLU -> residual.
module llama_block(d: int, heads: int, kv_heads: int, hidden: int, eps: float = 1e-6, rope_base: float = 10000.0,
                   attn_bias: bool = false) {
  input_layernorm = rmsnorm(d, eps)
  self_attn = llama_attention(d, heads, kv_heads, rope_base, attn_bias)
  post_attention_layernorm = rmsnorm(d, eps)
  mlp = swiglu(d, hidden)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let h = x + self_attn(input_layernorm(x))
    return h + mlp(post_attention_layernorm(h))
  }
}

/// Llama-family decoder (Llama, SmolLM, Mistral; Qwen2 with `attn_bias: true`, which
/// `llama.load` sets from config.json's model_type): Hugging Face names
/// without the `model.` prefix: embed_tokens, layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj,
/// post_attention_layernorm, mlp.{gate,up,down}_proj}, norm, lm_head.
model llama(vocab: int, d: int, heads: int, kv_heads: int, n_layers: int, hidden: int,
            eps: float = 1e-6, rope_base: float = 10000.0, attn_bias: bool = false) {
  embed_tokens = embedding(vocab, d)
  layers[n_layers] = llama_block(d, heads, kv_heads, hidden, eps, rope_base, attn_bias)
  norm = rmsnorm(d, eps)
  lm_head = linear(d, vocab, false)
  forward(tokens: i32[B, T]) -> f32[B, T, vocab] {
    let x = embed_tokens(tokens)
    for b in layers { x = b(x) }
    return lm_head(norm(x))
  }
}
