import std.nn.attention

/// Prefix tuning (Li & Liang 2021, "Prefix-Tuning: Optimizing Continuous Prompts for
/// Generation"): every attention module matched by `targets` gets `length` trainable key and
/// value vectors per key/value head, prefix_k / prefix_v [kv_heads, length, d / heads], that
/// each query attends to before the (causally masked) keys of the sequence:
///   attn(x) = o(softmax(q [Pk; K]^T / sqrt(dh) + [0 | causal]) [Pv; V]).
/// The model is frozen; only the prefixes train. (The paper's MLP reparametrisation of the
/// prefix during training is omitted: it is a training-time aid that folds away.) With
/// `use_rope` the sequence keys are rotated, the prefix keys are not (position-free).
method prefix_tuning(length: int = 4, init_std: float = 0.02, targets: pattern = "blocks.*.attn") {
  freeze all
  for m: causal_self_attention in modules(targets) {
    param m.prefix_k: f32[m.kv_heads, length, m.d / m.heads] init normal(std: init_std) trainable
    param m.prefix_v: f32[m.kv_heads, length, m.d / m.heads] init normal(std: init_std) trainable
    wrap m(x) {
      let B = x.shape[0]
      let T = x.shape[1]
      let dh = m.d / m.heads
      let qh = split_heads(m.q(x), m.heads)        // (B, H, T, dh)
      let kh = split_heads(m.k(x), m.kv_heads)     // (B, Hkv, T, dh)
      if m.use_rope {
        qh = rope(qh, base: m.rope_base)
        kh = rope(kh, base: m.rope_base)
      }
      let zero = zeros([B, m.kv_heads, length, dh])
      let k = concat([reshape(m.prefix_k, [1, m.kv_heads, length, dh]) + zero, kh], axis: 2)
      let v = concat([reshape(m.prefix_v, [1, m.kv_heads, length, dh]) + zero, split_heads(m.v(x), m.kv_heads)], axis: 2)
      let group = m.heads / m.kv_heads
      // every query sees all prefix slots, then the causal part: (T, length + T)
      let mask = concat([zeros([T, length]), causal_mask(T)], axis: 1)
      let scores = qh @ repeat_heads(k, group)^T / sqrt(dh) + mask   // (B, H, T, length + T)
      return m.o(merge_heads(softmax(scores) @ repeat_heads(v, group)))
    }
  }
}
