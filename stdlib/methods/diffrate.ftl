import std.nn.attention

/// DiffRate (Chen et al. 2023, "DiffRate: Differentiable Compression Rate for Efficient
/// Vision Transformers"): every attention module matched by `targets` learns its own token
/// keep rate over the candidates `rates` (fractions of T) with the backbone frozen.
/// Layer l keeps, for the layers after it, the tokens that receive the most attention
/// (mean over heads and queries); with p_l = softmax(logits_l) over the candidates, the
/// keep mask is differentiable in p:
///   m_l = m_{l-1} * sum_c p_lc topk_mask(importance_l, round(rate_c T)),
/// and a pruned key j is removed from later attention by adding log(m_j) to its scores
/// (log 1 = 0: kept tokens are untouched; m = 0 drops the key). The cost model is the
/// expected fraction of attended keys, flops = mean_l prod_{j<l} sum_c p_jc rate_c, and
/// weight * (flops - target)^2 joins the loss. Only the rate logits train. The logits
/// start with `keep_bias` on the first candidate (rates[0] = 1.0: keep all), so the model
/// starts uncompressed. ViT paper: here on the causal LM (a pruned token still predicts
/// at its own position; it stops being attended to), token merging is not included.
method diffrate(rates: [float] = [1.0, 0.75, 0.5, 0.25], target: float = 0.75, weight: float = 10.0,
                keep_bias: float = 30.0, targets: pattern = "blocks.*.attn") {
  freeze all
  let C = len(rates)
  let newest = (xs) => xs[len(xs) - 1]
  let sites = modules(targets)
  let n = len(sites)
  let i = 0
  for m: causal_self_attention in sites {
    param m.diffrate_logits: f32[C] init zeros trainable
    let first = i == 0
    i = i + 1
    wrap m(x) {
      let B = x.shape[0]
      let T = x.shape[1]
      let dh = m.d / m.heads
      let p = softmax(m.diffrate_logits + keep_bias * one_hot(0, C))          // (C)
      tap("diffrate.rate", sum([p[c] * rates[c] for c in range(C)]))          // E[keep rate]
      let keep = ones([B, T])
      if !first { keep = newest(taps("diffrate.keep")) }                      // (B, T)
      let qh = split_heads(m.q(x), m.heads)
      let kh = repeat_heads(split_heads(m.k(x), m.kv_heads), m.heads / m.kv_heads)
      let vh = repeat_heads(split_heads(m.v(x), m.kv_heads), m.heads / m.kv_heads)
      let drop = reshape(log(max(keep, 1e-30)), [B, 1, 1, T])                  // key-wise
      let att = softmax(qh @ kh^T / sqrt(dh) + causal_mask(T) + drop)          // (B, H, T, T)
      let importance = mean(att, axis: [1, 2])                                 // (B, T)
      let m_l = sum([p[c] * topk_mask(importance, max(1, int(rates[c] * T))) for c in range(C)])
      tap("diffrate.keep", keep * m_l)
      return m.o(merge_heads(att @ vh))
    }
  }
  let l = loss
  loss = (mm, bb) => l(mm, bb) + weight * (expected_flops(last(taps("diffrate.rate"), n)) - target) ^ 2
}

/// Expected fraction of attended keys over the layers: mean_l prod_{j<l} e_j, for the
/// per-layer expected keep rates e (a list of scalars).
fn expected_flops(e) {
  let acc = 1.0
  let total = 0.0
  for x in e {
    total = total + acc
    acc = acc * x
  }
  return total / len(e)
}
