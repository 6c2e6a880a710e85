/// rsLoRA (Kalajdzievski 2023): LoRA with the rank-stabilised scale alpha / sqrt(r) instead
/// of alpha / r, so larger ranks keep learning. A Kaiming-uniform, B zero; only A, B train.
method rslora(r: int = 8, alpha: float = 16.0, lora_dropout: float = 0.0, targets: pattern = "**") {
  freeze all
  for m: linear in modules(targets) {
    param m.lora_a: f32[r, m.in]  init kaiming_uniform(a: sqrt(5)) trainable
    param m.lora_b: f32[m.out, r] init zeros                    trainable
    wrap m(x) = base(x) + (alpha / sqrt(r)) * (dropout(x, p: lora_dropout) @ m.lora_a^T @ m.lora_b^T)
    merge m.weight += (alpha / sqrt(r)) * (m.lora_b @ m.lora_a)
  }
}
