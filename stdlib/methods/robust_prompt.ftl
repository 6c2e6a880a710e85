/// Mean squared distance between the mean-pooled representations of consecutive rows
/// (0, 1), (2, 3), ...: h (B, T, d) with B even -> scalar.
fn pair_distance(h) {
  let s = h.shape
  let r = reshape(mean(h, axis: 1), [s[0] / 2, 2, s[2]])     // (B/2, 2, d)
  return mean(sum((r[:, 0, :] - r[:, 1, :]) ^ 2, axis: -1))
}

/// Soft prompt for instruction-phrasing robustness (Sun et al. 2023, "Evaluating the
/// Zero-shot Robustness of Instruction-tuned Language Models"): a soft prompt (as in
/// `prompt_tuning`, model frozen) trained so that semantically equivalent instructions get
/// similar representations. Batches hold paraphrase pairs in consecutive rows (0, 1),
/// (2, 3), ...; the loss is
///   task_weight * loss(model, batch) + weight * mean_pairs ||mean_t h_2i - mean_t h_2i+1||^2
/// with h the final hidden states (the input of `last`, prompt positions dropped). The
/// paper's exact similarity measure is not in the abstract; this uses the squared Euclidean
/// distance of mean-pooled final representations.
method robust_prompt(length: int = 4, weight: float = 1.0, task_weight: float = 1.0,
                     first: pattern = "blocks.0", last: pattern = "ln_f") {
  // The soft prompt, as in `prompt_tuning` (a method body cannot `apply` another method).
  freeze all
  for m in modules(first) {
    param m.soft_prompt: f32[length, m.d] init normal(std: 0.02) trainable
    wrap m(x) {
      let p = reshape(m.soft_prompt, [1, length, m.d]) + zeros([x.shape[0], length, m.d])
      return base(concat([p, x], axis: 1))
    }
  }
  for m in modules(last) {
    wrap m(x) {
      let y = base(tap("robust_prompt.h", x[:, length:]))   // (B, T, d)
      return y
    }
  }
  let l = loss
  // `last` is this method's pattern parameter here, so the newest tap is taken by index.
  let newest = (xs) => xs[len(xs) - 1]
  loss = (mm, bb) => task_weight * l(mm, bb) + weight * pair_distance(newest(taps("robust_prompt.h")))
}
