/// LoRA: W x + (alpha/r) B A x; A Kaiming-uniform, B zero; only A and B train.
method lora(r: int = 8, alpha: float = 16, lora_dropout: float = 0, targets: pattern = "**") {
  freeze all
  for m: linear in modules(targets) {
    param m.lora_a: f32[r, m.in]  init kaiming_uniform(a: sqrt(5)) trainable
    param m.lora_b: f32[m.out, r] init zeros                    trainable
    wrap m(x) = base(x) + (alpha / r) * (dropout(x, p: lora_dropout) @ m.lora_a^T @ m.lora_b^T)
    merge m.weight += (alpha / r) * (m.lora_b @ m.lora_a)
  }
}

/// BitFit: only biases train.
method bitfit() { freeze all; unfreeze "**.bias" }

/// PockEngine-style sparse update: the last `layers` blocks' chosen tensors, and only the
/// first `ratio` of each weight's output channels.
method sparse_update(layers: int = 2, tensors: pattern = "mlp.**.weight", ratio: float = 0.25) {
  freeze all
  for b in last(model.blocks, layers) { unfreeze b[tensors] rows(0 .. ratio) ; unfreeze b["**.bias"] }
}
