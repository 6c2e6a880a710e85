/// DoRA (Liu et al. 2024): weight-decomposed low-rank adaptation. Each matched linear's
/// weight becomes magnitude * V / ||V||, V = W + (alpha / r) B A, the norm taken per output
/// row and treated as a constant in the backward pass (the paper's section 4.3, as in PEFT).
/// The magnitude starts at ||W|| (so training starts from the base model), B at zero;
/// A, B and the magnitude train. `merge` writes the decomposed weight back.
method dora(r: int = 8, alpha: float = 16.0, targets: pattern = "**") {
  freeze all
  for m: linear in modules(targets) {
    param m.lora_a: f32[r, m.in]  init kaiming_uniform(a: sqrt(5)) trainable
    param m.lora_b: f32[m.out, r] init zeros                    trainable
    param m.magnitude: f32[m.out] init norm(m.weight, axis: 1)  trainable
    wrap m(x) {
      let v = m.weight + (alpha / r) * (m.lora_b @ m.lora_a)              // (out, in)
      let scale = m.magnitude / detach(norm(v, axis: 1))                   // (out)
      let b = 0.0
      if has_param(m, "bias") { b = m.bias }
      // x V^T = (base(x) - b) + (alpha / r) x A^T B^T, then per-row scaling.
      return (base(x) - b + (alpha / r) * (x @ m.lora_a^T @ m.lora_b^T)) * scale + b
    }
    merge m.weight = reshape(m.magnitude / norm(m.weight + (alpha / r) * (m.lora_b @ m.lora_a), axis: 1), [m.out, 1])
                     * (m.weight + (alpha / r) * (m.lora_b @ m.lora_a))
  }
}
