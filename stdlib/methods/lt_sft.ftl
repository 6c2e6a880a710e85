/// LT-SFT, Lottery-Ticket Sparse Fine-Tuning (Ansell et al. 2022, "Composable Sparse
/// Fine-Tuning for Cross-Lingual Transfer"), phase 2. Phase 1 fully fine-tunes theta0 to
/// theta1 (a stage with `full_finetune`); this method, built with phase 1's weights
/// (runtime/train/stages.ts / features/selection.ts `withWeights`), keeps for each tensor
/// matched by `targets` the `density` fraction of entries with the largest |theta1 -
/// theta0| and trains only those from theta0 again (the next stage starts from the initial
/// weights, not phase 1's). The result is a sparse difference phi = theta2 - theta0 stored
/// as the mask deltas; the density is per tensor.
method lt_sft(density: float = 0.05, targets: pattern = "**.weight") {
  freeze all
  for name in param_names(targets) {
    unfreeze name mask(delta_mask(name, density: density))
  }
}
