import std.nn.linear

/// Scaled dot-product attention with a causal mask over heads already split:
/// q[B, H, T, dh], k/v[B, Hkv, T, dh]; each key/value head serves H / Hkv query heads
/// (grouped-query attention; Hkv = H is multi-head attention). Returns [B, H, T, dh].
/// When generating, `kv_cache` extends k/v with the cached keys/values of earlier tokens.
fn causal_attention(q, k, v) {
  let T = q.shape[2]
  let group = q.shape[1] / k.shape[1]
  let kr = repeat_heads(kv_cache(k), group)
  let vr = repeat_heads(kv_cache(v), group)
  let scores = q @ kr^T / sqrt(q.shape[3]) + causal_mask(T)   // (B, H, T, T)
  return softmax(scores) @ vr
}

/// [B, T, H*dh] -> [B, H, T, dh]
fn split_heads(x, heads: int) {
  let s = x.shape
  return permute(reshape(x, [s[0], s[1], heads, s[2] / heads]), [0, 2, 1, 3])
}

/// [B, H, T, dh] -> [B, T, H*dh]
fn merge_heads(x) {
  let s = x.shape
  return reshape(permute(x, [0, 2, 1, 3]), [s[0], s[2], s[1] * s[3]])
}

/// Causal multi-head self-attention with separate q, k, v, o projections (GPT-2 layout
/// split into `q`, `k`, `v`; `kv_heads < heads` gives grouped-query attention;
/// `use_rope` applies rotary position embeddings to q and k).
module causal_self_attention(d: int, heads: int, kv_heads: int = heads, bias: bool = true,
                             use_rope: bool = false, rope_base: float = 10000.0) {
  let dh = d / heads
  q = linear(d, heads * dh, bias)
  k = linear(d, kv_heads * dh, bias)
  v = linear(d, kv_heads * dh, bias)
  o = linear(heads * dh, d, bias)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let qh = split_heads(q(x), heads)        // (B, H, T, dh)
    let kh = split_heads(k(x), kv_heads)     // (B, Hkv, T, dh)
    if use_rope {
      qh = rope(qh, base: rope_base)
      kh = rope(kh, base: rope_base)
    }
    return o(merge_heads(causal_attention(qh, kh, split_heads(v(x), kv_heads))))
  }
}
