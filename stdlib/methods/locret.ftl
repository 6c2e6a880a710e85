import std.nn.attention

/// Locret's training target for one attention module: for every key/value unit (position j,
/// head h), the largest attention any query gives it, max_i softmax(q_i K^T / sqrt(dh) +
/// causal)[j] (only i >= j can attend to j). q, k: (B, H, T, dh) -> (B, T, H), detached.
fn max_future_attention(qh, kh) {
  let T = qh.shape[2]
  let probs = softmax(qh @ kh^T / sqrt(qh.shape[3]) + causal_mask(T)) // (B, H, Tq, Tk)
  return detach(permute(max(probs, axis: 2), [0, 2, 1])) // (B, Tk, H)
}

/// Which cache units to keep under a budget: 1 for the `budget` highest-scored positions of
/// each (batch, head), 0 for the evicted ones. scores: (B, T, H).
fn locret_keep(scores, budget: int) = topk_mask(scores, budget, axis: 1)

/// Locret (Huang et al. 2024, "Locret: Enhancing Eviction in Long-Context LLM Inference with
/// Trained Retaining Heads"): a small retaining head per attention layer predicts, from the
/// token's [q; k; v], the causal importance of its key/value unit for every key/value head:
/// s = relu([q; k; v] W_1^T) W_2^T + b (B, T, kv_heads). Trained against the maximum attention
/// the unit receives from later queries (`max_future_attention`, from the frozen backbone)
/// with a mean squared error averaged over layers; the backbone is frozen and its outputs are
/// unchanged (the head only reads taps). At inference `locret_keep(s, budget)` selects the
/// units to retain. In generation the scores go through `kv_retain` into the KV cache beside
/// the keys and values: `ftl generate --kv-budget B --chunk C` prefills C tokens per step and
/// after each chunk keeps, per layer and kv head, the `local` newest units plus the highest-
/// scored ones up to B (runtime/generate/evict.ts). Heads here are per-layer MLPs as in the
/// paper's small FFN heads; the paper's loss adds a smoothness term (omitted, stated).
method locret(hidden: int = 16, targets: pattern = "blocks.*.attn") {
  freeze all
  let sites = modules(targets)
  let n = len(sites)
  for m: causal_self_attention in sites {
    param m.retain_w1: f32[hidden, m.d + 2 * m.kv_heads * (m.d / m.heads)] init normal(std: 0.02) trainable
    param m.retain_w2: f32[m.kv_heads, hidden] init normal(std: 0.02) trainable
    param m.retain_b: f32[m.kv_heads] init zeros trainable
    wrap m(x) {
      let y = base(x)
      let q = m.q(x)
      let k = m.k(x)
      let v = m.v(x)
      let s = relu(concat([q, k, v], axis: -1) @ m.retain_w1^T) @ m.retain_w2^T + m.retain_b
      // generation: the scores are cached beside this layer's keys/values, so a KV budget
      // (`ftl generate --kv-budget`) evicts the lowest-scored units
      kv_retain(s)
      if !decoding() {
        let group = m.heads / m.kv_heads
        let qh = split_heads(q, m.heads)
        let kh = repeat_heads(split_heads(k, m.kv_heads), group)
        if m.use_rope {
          qh = rope(qh, base: m.rope_base)
          kh = rope(kh, base: m.rope_base)
        }
        // per kv head: the max over the query heads it serves
        let t = max_future_attention(qh, kh) // (B, T, H)
        let ts = t.shape
        let tk = max(reshape(t, [ts[0], ts[1], m.kv_heads, group]), axis: -1) // (B, T, Hkv)
        tap("locret.pred", s)
        tap("locret.target", tk)
      }
      return y
    }
  }
  loss = (mm, bb) => locret_objective(mm, bb, n)
}

/// Retaining-head regression: run the model, then the mean over layers of
/// mean((pred - target)^2) from the taps.
fn locret_objective(model, batch, n: int) {
  model(batch.tokens)
  let errs = [mean((p - t) ^ 2) for p, t in zip(last(taps("locret.pred"), n), last(taps("locret.target"), n))]
  return sum(errs) / n
}
