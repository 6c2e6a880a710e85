/// KappaTune (Ludwig 2025, "The Condition Number as a Scale-Invariant Proxy for
/// Information Encoding in Neural Units"): the condition number kappa = sigma_max /
/// sigma_min of a weight matrix is read as how specialised its encoding is, so fine-tuning
/// is steered to the least specialised units: of the matrices matched by `targets`, train
/// only the `count` with the lowest kappa and freeze everything else (limits forgetting
/// without pre-training statistics). kappa is computed at compile time from the weights
/// being tuned (checkpoint data after `model.load`).
method kappatune(count: int = 4, targets: pattern = "**.weight") {
  freeze all
  for name in lowest(param_names(targets, ndim: 2), count, key: n => cond(n)) {
    unfreeze name
  }
}
