/// Cosine similarity of each row of q (B, d) with each row of k (N, d): (B, N).
fn cosine_rows(q, k) {
  let qn = q / (norm(q, axis: -1, keepdim: true) + 1e-8)
  let kn = k / (norm(k, axis: -1, keepdim: true) + 1e-8)
  return qn @ kn^T
}

/// L2M, Learning-to-Modulate (Schmied et al. 2023, "Learning to Modulate pre-trained Models
/// in RL"): a pool of `pool` (key, modulator) pairs over a frozen model. Each sequence's
/// query is the mean of its token embeddings (module `embed`, detached); the key with the
/// highest cosine similarity picks that sequence's modulator, a LoRA (rank `r`, scale
/// alpha / r) on every `linear` matched by `targets`:
///   y = W x + (alpha / r) B_e A_e x,   e = argmax_j cos(query, key_j).
/// The selected key is pulled toward its queries by key_weight * mean(1 - cos(query,
/// key_e)) added to the loss; modulators train through the task loss only (the argmax
/// passes no gradient). B starts at zero, so the frozen model's output is unchanged at the
/// start. The paper's RL setting (Decision Transformer on Meta-World / DMControl) is not
/// reproduced: the mechanism is applied to the language model's sequences.
method l2m(pool: int = 4, r: int = 4, alpha: float = 8.0, key_weight: float = 0.1,
           embed: pattern = "wte", targets: pattern = "blocks.*.attn.{q,v}") {
  freeze all
  for e in modules(embed) {
    param e.l2m_keys: f32[pool, e.d] init uniform(low: -1.0, high: 1.0) trainable
    wrap e(ids) {
      let h = base(ids)                                           // (B, T, d)
      let q = detach(mean(h, axis: 1))                            // (B, d)
      let sim = cosine_rows(q, e.l2m_keys)                        // (B, pool)
      let sel = one_hot(argmax(sim, axis: -1), pool)              // (B, pool)
      tap("l2m.select", sel)
      tap("l2m.match", sum(sel * sim, axis: -1))                  // (B)
      return h
    }
  }
  let newest = (xs) => xs[len(xs) - 1]
  for m: linear in modules(targets) {
    param m.l2m_a: f32[pool, r, m.in]  init kaiming_uniform(a: sqrt(5)) trainable
    param m.l2m_b: f32[pool, m.out, r] init zeros trainable
    wrap m(x) {
      let s = x.shape
      let sel = newest(taps("l2m.select"))                        // (B, pool)
      // every modulator on every row, then the selected one kept: (B, T, pool, out)
      let d = reshape(reshape(x, [s[0], s[1], 1, 1, s[2]]) @ permute(m.l2m_a, [0, 2, 1])
                      @ permute(m.l2m_b, [0, 2, 1]), [s[0], s[1], pool, m.out])
      return base(x) + (alpha / r) * sum(reshape(sel, [s[0], 1, pool, 1]) * d, axis: 2)
    }
  }
  let l = loss
  loss = (mm, bb) => l(mm, bb) + key_weight * mean(1 - newest(taps("l2m.match")))
}
