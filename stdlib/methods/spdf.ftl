/// SPDF, Sparse Pre-training and Dense Fine-tuning (Thangarasa et al. 2023): the sparse
/// phase. Every `linear` matched by `targets` gets a static random mask M keeping a
/// 1 - `sparsity` fraction of its weight entries; the layer computes x (W * M)^T + b (one
/// matmul, as dense-with-mask sparse training does), so the masked weights are exactly zero
/// in the function and get zero gradient. `merge` writes
/// W * M into the weight: the dense phase is a stage that drops this method and starts from
/// the merged weights, `stage sparse { apply spdf_sparse(...) } stage dense { drop
/// spdf_sparse merged }`, where the zeroed entries learn again.
method spdf_sparse(sparsity: float = 0.75, targets: pattern = "**", seed: int = 0) {
  for m: linear in modules(targets) {
    param m.spdf_mask: f32[m.out, m.in] init indicator(random_mask(m["weight"], 1.0 - sparsity, seed: seed), [m.out, m.in]) frozen
    merge m.weight = m.weight * m.spdf_mask
    if has_param(m, "bias") {
      wrap m(x) = x @ (m.weight * m.spdf_mask)^T + m.bias
    } else {
      wrap m(x) = x @ (m.weight * m.spdf_mask)^T
    }
  }
}
