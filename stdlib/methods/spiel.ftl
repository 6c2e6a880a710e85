/// SpIEL, scaled sparse fine-tuning (Ansell et al. 2024, "Scaling Sparse Fine-Tuning to
/// Large Language Models"): a fixed number k = `density` * |W| of trainable entries per
/// tensor matched by `targets`, stored as indices plus deltas from the pretrained weights.
/// Every selection prunes the active entries whose delta moved least (they revert to the
/// pretrained value) and regrows a `regrow` fraction of k from the entries with the largest
/// accumulated |gradient| (summed over `train(reselect_batches:)` batches, default 2); the
/// first selection, before anything trained, takes the top-|gradient| entries of the plain
/// model. With `train(reselect_every: n)` the prune/regrow cycle runs every n steps inside
/// the stage (runtime/train/reselect.ts): regrown entries start at delta 0 with fresh
/// optimizer state, surviving entries keep their delta and optimizer state, and exactly k
/// entries are active at every step; without it, once per stage (a stage change reads the
/// previous stage's weights and gradients). The paper's SM3-momentum regrowth variant is not
/// included.
method spiel(density: float = 0.01, regrow: float = 0.5, targets: pattern = "**.weight") {
  freeze all
  for name in param_names(targets, ndim: 2) {
    unfreeze name mask(spiel_mask(name, density: density, regrow: regrow))
  }
}
