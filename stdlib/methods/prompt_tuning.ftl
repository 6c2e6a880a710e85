/// Prompt tuning (Lester et al. 2021, "The Power of Scale for Parameter-Efficient Prompt
/// Tuning"): `length` trainable soft-prompt vectors P[length, d] are prepended to the hidden
/// sequence entering the first module matched by `first` (default: the first block), every
/// later block attends over [P; x], and the prompt positions are dropped again before the
/// module matched by `last` (default: the final norm). The base model is frozen; only P
/// trains. Tokens keep their own positions 0..T-1 (the prompt carries no position
/// embedding: it is learned, so it can absorb one). P ~ N(0, init_std^2).
method prompt_tuning(length: int = 4, init_std: float = 0.02, first: pattern = "blocks.0", last: pattern = "ln_f") {
  freeze all
  for m in modules(first) {
    param m.soft_prompt: f32[length, m.d] init normal(std: init_std) trainable
    wrap m(x) {
      // [length, d] -> [B, length, d], then [B, length + T, d]
      let p = reshape(m.soft_prompt, [1, length, m.d]) + zeros([x.shape[0], length, m.d])
      return base(concat([p, x], axis: 1))
    }
  }
  for m in modules(last) {
    wrap m(x) = base(x[:, length:])
  }
}
