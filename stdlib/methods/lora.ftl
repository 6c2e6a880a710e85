/// LoRA (Hu et al. 2021): W x + (alpha / r) B A x on every `linear` matched by `targets`;
/// A is Kaiming-uniform, B is zero (so training starts from the base model exactly);
/// only A and B train. `merge` folds (alpha / r) B A into the base weight for export.
method lora(r: int = 8, alpha: float = 16.0, lora_dropout: float = 0.0, targets: pattern = "**") {
  freeze all
  for m: linear in modules(targets) {
    param m.lora_a: f32[r, m.in]  init kaiming_uniform(a: sqrt(5)) trainable
    param m.lora_b: f32[m.out, r] init zeros                    trainable
    wrap m(x) = base(x) + (alpha / r) * (dropout(x, p: lora_dropout) @ m.lora_a^T @ m.lora_b^T)
    merge m.weight += (alpha / r) * (m.lora_b @ m.lora_a)
  }
}
