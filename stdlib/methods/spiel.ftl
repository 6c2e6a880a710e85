/// SpIEL, scaled sparse fine-tuning (Ansell et al. 2024, "Scaling Sparse Fine-Tuning to
/// Large Language Models"): a fixed number k = `density` * |W| of trainable entries per
/// tensor matched by `targets`, stored as indices plus deltas from the pretrained weights.
/// Apply once per stage: each stage prunes the active entries whose delta moved least
/// (they revert to the pretrained value) and regrows a `regrow` fraction of k from the
/// entries with the largest accumulated |gradient| over calibration batches. The stage is
/// built with the previous stage's weights and gradient statistics (runtime/train/
/// grad-stats.ts `gradientStats`, features/selection.ts `withWeights(weights, f, grads)`);
/// the first stage (no trained weights yet) takes the top-|gradient| entries. The paper's
/// SM3-momentum regrowth variant is not included.
method spiel(density: float = 0.01, regrow: float = 0.5, targets: pattern = "**.weight") {
  freeze all
  for name in param_names(targets, ndim: 2) {
    unfreeze name mask(spiel_mask(name, density: density, regrow: regrow))
  }
}
