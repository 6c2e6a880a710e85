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
/// starts uncompressed.
///
/// `merge: true` merges the tokens a layer removes instead of dropping them (ToMe-style, as
/// DiffRate's merging does; `diffrate_merge` below): each removed token joins the kept token
/// whose key is most similar (cosine), and a merged token's key and value are the average of
/// its members' weighted by how many original tokens each holds, with log(size) added to its
/// attention scores (proportional attention). The rate mixing stays differentiable: the
/// layer's token composition is the p-weighted sum of the candidates' compositions.
///
/// ViT paper, here on the causal LM: a removed token still predicts at its own position, it
/// stops being attended to as a separate key. With `merge`, a token only merges into a kept
/// token at a later position (so no query sees a token from its future); a token with none
/// after it is dropped. Merge-mode importance is the attention a token receives relative to
/// a uniform query's share (1 / (t + 1) at query t), averaged over the queries that can see
/// it, so late tokens are not ranked low merely for being late. One rate per layer decides how many tokens leave; DiffRate's separate pruning
/// and merging rates are not both learned (pruning with `merge: false`, merging with `true`).
method diffrate(rates: [float] = [1.0, 0.75, 0.5, 0.25], target: float = 0.75, weight: float = 10.0,
                keep_bias: float = 30.0, targets: pattern = "blocks.*.attn", merge: bool = false) {
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
      if merge {
        // token composition W (B, T, T): W[b, j, i] = how much of original token i token j holds
        let W = zeros([B, T, T]) + one_hot(arange(T), T)
        if !first { W = newest(taps("diffrate.tokens")) }
        let mo = merged_attention(m, x, W)                                     // [out, att, keys]
        // attention received relative to a uniform query (query t spreads 1 over t + 1 keys),
        // averaged over the heads and the T - j queries that see key j: (B, T)
        let rel = mo[1] * reshape(float(arange(T) + 1), [1, 1, T, 1])
        let importance = sum(rel, axis: [1, 2]) / (m.heads * reshape(float(T - arange(T)), [1, T]))
        tap("diffrate.tokens", diffrate_merge(W, importance, mo[2], [max(1, int(r * T)) for r in rates], p))
        return mo[0]
      }
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

/// Attention of module m (a `causal_self_attention`) over merged tokens: W (B, T, T) is the
/// token composition (W[b, j, i]: the share of original token i in token j, sizes
/// s_j = sum_i W[b, j, i], 0 for a token merged away). Keys and values are the members'
/// averages weighted by count, W / s @ k, and log(s_j) joins token j's scores (proportional
/// attention; s = 0 drops it). Returns [output (B, T, d), attention (B, H, T, T), the
/// merged keys averaged over heads (B, T, dh)].
fn merged_attention(m, x, W) {
  let B = x.shape[0]
  let T = x.shape[1]
  let dh = m.d / m.heads
  let size = sum(W, axis: -1)                                                  // (B, T)
  let avg = reshape(W / reshape(max(size, 1e-30), [B, T, 1]), [B, 1, T, T])
  let qh = split_heads(m.q(x), m.heads)                                        // (B, H, T, dh)
  let kh = avg @ repeat_heads(split_heads(m.k(x), m.kv_heads), m.heads / m.kv_heads)
  let vh = avg @ repeat_heads(split_heads(m.v(x), m.kv_heads), m.heads / m.kv_heads)
  let bias = reshape(log(max(size, 1e-30)), [B, 1, 1, T])
  let att = softmax(qh @ kh^T / sqrt(dh) + causal_mask(T) + bias)               // (B, H, T, T)
  return [m.o(merge_heads(att @ vh)), att, mean(kh, axis: 1)]
}

/// One differentiable merge step: for each candidate c, the `counts[c]` most important
/// tokens stay; every other live token joins the kept token at a later position whose key
/// is most similar (cosine of `keys` (B, T, dh)), or is dropped when there is none. The new
/// composition is sum_c p_c D_c^T W, D_c (B, T, T) the candidate's assignment
/// (D_c[b, i, j] = 1: token i goes to j; kept tokens go to themselves).
fn diffrate_merge(W, importance, keys, counts, p) {
  let B = W.shape[0]
  let T = W.shape[1]
  let pos = arange(T)
  let later = where(reshape(pos, [1, T]) > reshape(pos, [T, 1]), 1.0, 0.0)     // [i, j]: j > i
  let alive = where(sum(W, axis: -1) > 0.0, 1.0, 0.0)                          // (B, T)
  let kn = keys / (sqrt(sum(keys * keys, axis: -1, keepdim: true)) + 1e-6)
  let sim = kn @ kn^T                                                          // (B, T, T) cosine
  let d = sum([p[c] * merge_assignment(importance, counts[c], alive, later, sim) for c in range(len(counts))])
  return d^T @ W
}

/// The assignment (B, T, T) of one candidate: the n most important tokens go to themselves;
/// another token i goes to the valid j (kept, alive, j > i) of highest `sim`, or nowhere.
fn merge_assignment(importance, n, alive, later, sim) {
  let B = sim.shape[0]
  let T = sim.shape[1]
  let kept = topk_mask(importance, n)                                          // (B, T)
  let valid = reshape(kept * alive, [B, 1, T]) * later                         // (B, T, T)
  let has = max(valid, axis: -1)                                               // (B, T)
  let to = topk_mask(sim - 4.0 * (1.0 - valid), 1, axis: -1)                   // sim in [-1, 1]
  return reshape(kept, [B, T, 1]) * one_hot(arange(T), T) + reshape((1.0 - kept) * has, [B, T, 1]) * to
}
