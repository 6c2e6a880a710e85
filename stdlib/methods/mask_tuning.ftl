/// Binary mask of real-valued scores with a straight-through gradient and gradient dropout:
/// forward (s > threshold) as 0/1, backward d/ds = keep * g where keep ~ Bernoulli(1 -
/// grad_drop) per entry and step (a fresh draw from the step seed).
fn ste_mask(s, threshold, grad_drop) {
  let keep = float(rand_like(s) >= grad_drop)
  let s_drop = s * keep + detach(s * (1.0 - keep))
  let hard = float(s > threshold)
  return s_drop + detach(hard - s_drop)
}

/// Regularized Mask Tuning (Zheng et al. 2023, "Regularized Mask Tuning: Uncovering Hidden
/// Knowledge in Pre-trained Vision-Language Models"): the weights of every `linear` matched
/// by `targets` stay frozen; a learnable binary mask M over each weight is trained instead,
/// so the layer computes (W * M) x + b. M = (score > `threshold`) with real scores
/// initialised to `init_score` and a straight-through gradient; gradient dropout zeroes a
/// `grad_drop` fraction of the score gradients each step (the paper's regulariser against
/// forgetting and overfitting). `merge` writes W * M. Implemented on the transformer/MLP
/// stdlib models (no CLIP in the stdlib).
method mask_tuning(targets: pattern = "**", threshold: float = 0.5, init_score: float = 1.0, grad_drop: float = 0.0) {
  freeze all
  for m: linear in modules(targets) {
    param m.mask_score: f32[m.out, m.in] init constant(init_score) trainable
    wrap m(x) = base(x) - x @ (m.weight * (1.0 - ste_mask(m.mask_score, threshold, grad_drop)))^T
    merge m.weight = m.weight * float(m.mask_score > threshold)
  }
}
