/// LT-SFT, Lottery-Ticket Sparse Fine-Tuning (Ansell et al. 2022, "Composable Sparse
/// Fine-Tuning for Cross-Lingual Transfer"), phase 2. Phase 1 fully fine-tunes theta0 to
/// theta1 (a stage with `full_finetune`); this method, built with phase 1's weights
/// (runtime/train/stages.ts / features/selection.ts `withWeights`), selects the entries
/// with the largest |theta1 - theta0| among the tensors matched by `targets` and trains
/// only those from theta0 again (the next stage starts from the initial weights, not phase
/// 1's). With `k > 0` the selection is the paper's: the k entries with the largest
/// |theta1 - theta0| over all targeted tensors together (one global ranking, so some
/// tensors get many entries and some none); with `k = 0` each tensor keeps its own
/// `density` fraction. The result is a sparse difference phi = theta2 - theta0 stored as
/// the mask deltas; `ftl merge` folds it into full weights, and `compose_sparse` below adds
/// several such differences to theta0.
method lt_sft(density: float = 0.05, k: int = 0, targets: pattern = "**.weight") {
  freeze all
  let names = param_names(targets)
  if k > 0 {
    let masks = global_mask(names, count: k, by: "delta")
    for i in range(len(names)) {
      if len(masks[i]) > 0 {
        unfreeze names[i] mask(masks[i])
      }
    }
  } else {
    for name in names {
      unfreeze name mask(delta_mask(name, density: density))
    }
  }
}

/// Composition of sparse fine-tunings (LT-SFT): theta0 + sum_i (theta_i - theta0), e.g. a
/// task and a language fine-tuning trained separately from the same theta0. `base` and
/// each of `tuned` are merged model folders (`ftl merge RUN --to DIR`) or safetensors
/// files; entries that no fine-tuning changed stay bit-identical to theta0. Evaluated per
/// parameter by compiler/features/checkpoint-merge.ts.
merge compose_sparse(base: string, tuned: [string]) = load(base) + sum(load(t) - load(base) for t in tuned)
