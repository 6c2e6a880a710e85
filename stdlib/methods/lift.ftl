/// LIFT, Low-rank Informed sparse Fine-Tuning (Liu et al. 2025, "LIFT the Veil for the
/// Truth: Principal Weights Emerge after Rank Reduction for Reasoning-Focused SFT"): for
/// each weight matrix W matched by `targets`, take its rank-`rank` approximation
/// W_r = U_r S_r V_r^T and train only the Principal Weights, the `density` fraction of
/// entries with the largest |W_r| (the paper: top 5%). The mask is fixed at the start (the
/// compile-time weights); gradient and optimizer state exist for those entries only and
/// every other entry stays bit-identical. Matrices only (1-D tensors are skipped).
method lift(rank: int = 8, density: float = 0.05, targets: pattern = "**.weight") {
  freeze all
  for name in param_names(targets) {
    if ndim(name) == 2 {
      unfreeze name mask(principal_mask(name, rank: rank, density: density))
    }
  }
}
