/// PockEngine-style sparse update (Zhu et al. 2023): train only the last `layers` blocks'
/// `tensors`, and of each weight only the first `ratio` of its output channels (rows);
/// their biases train whole. Frozen rows get no gradient and no optimizer state.
method sparse_update(layers: int = 2, tensors: pattern = "mlp.**.weight", ratio: float = 0.25) {
  freeze all
  for b in last(model.blocks, layers) {
    unfreeze b[tensors] rows(0 .. ratio)
    unfreeze b["**.bias"]
  }
}
