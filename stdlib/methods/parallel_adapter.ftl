import std.nn.bottleneck
import std.nn.attention

/// Parallel adapter (He et al. 2022, "Towards a Unified View of Parameter-Efficient
/// Transfer Learning", section 3): a bottleneck that reads the *input* of each matched
/// sublayer and adds its scaled output beside it, h <- f(x) + scale * up(relu(down(x))),
/// instead of after it (Houlsby's sequential adapter, `adapter`). `up` starts at zero, so
/// the model starts as the base model exactly. Only the adapters train. Not mergeable
/// (the adapter is nonlinear).
method parallel_adapter(size: int = 16, scale: float = 4.0, targets: pattern = "blocks.*.mlp") {
  freeze all
  for m in modules(targets) {
    module m.adapter = bottleneck(m.d, size)
    wrap m(x) = base(x) + scale * m.adapter(x)
  }
}

/// Attention of module m (a `causal_self_attention`) with `length` prefix key/value vectors
/// pk, pv [kv_heads, length, dh] in front of the sequence's keys/values; every query sees
/// all prefix slots, then the causal part: o(softmax(q [Pk; K]^T / sqrt(dh) + [0 | causal]) [Pv; V]).
fn prefix_attention(m, x, pk, pv, length: int) {
  let B = x.shape[0]
  let T = x.shape[1]
  let dh = m.d / m.heads
  let qh = split_heads(m.q(x), m.heads) // (B, H, T, dh)
  let kh = split_heads(m.k(x), m.kv_heads) // (B, Hkv, T, dh)
  if m.use_rope {
    qh = rope(qh, base: m.rope_base)
    kh = rope(kh, base: m.rope_base)
  }
  let zero = zeros([B, m.kv_heads, length, dh])
  let k = concat([reshape(pk, [1, m.kv_heads, length, dh]) + zero, kh], axis: 2)
  let v = concat([reshape(pv, [1, m.kv_heads, length, dh]) + zero, split_heads(m.v(x), m.kv_heads)], axis: 2)
  let group = m.heads / m.kv_heads
  let mask = concat([zeros([T, length]), causal_mask(T)], axis: 1) // (T, length + T)
  let scores = qh @ repeat_heads(k, group)^T / sqrt(dh) + mask // (B, H, T, length + T)
  return m.o(merge_heads(softmax(scores) @ repeat_heads(v, group)))
}

/// Mix-and-Match adapter (MAM, He et al. 2022): the unified view's best combination,
/// prefix tuning on every attention layer matched by `attn` (`prefix` key/value vectors
/// per head, as `prefix_tuning`) plus a scaled parallel adapter on every FFN matched by
/// `ffn` (bottleneck `size`, scale `scale`). Everything else is frozen; only prefixes and
/// adapters train.
method mam_adapter(
  prefix: int = 4,
  size: int = 16,
  scale: float = 4.0,
  init_std: float = 0.02,
  attn: pattern = "blocks.*.attn",
  ffn: pattern = "blocks.*.mlp"
) {
  freeze all
  for m: causal_self_attention in modules(attn) {
    param m.prefix_k: f32[m.kv_heads, prefix, m.d / m.heads] init normal(std: init_std) trainable
    param m.prefix_v: f32[m.kv_heads, prefix, m.d / m.heads] init normal(std: init_std) trainable
    wrap m(x) = prefix_attention(m, x, m.prefix_k, m.prefix_v, prefix)
  }
  for m in modules(ffn) {
    module m.adapter = bottleneck(m.d, size)
    wrap m(x) = base(x) + scale * m.adapter(x)
  }
}
