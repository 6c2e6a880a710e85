import std.optim.sgd

/// MeZO (Malladi et al. 2023): the zeroth-order SPSA gradient estimate
/// g = (L(θ + eps z) - L(θ - eps z)) / (2 eps) along z ~ N(0, I), regenerated from the step
/// seed instead of stored; grad = g z. Two forward passes per step, no backward graph,
/// inference-level memory. Use as `gradient = spsa(eps: 1e-3)` with `optim = sgd(...)`.
gradient spsa(eps: float = 1e-3) {
  let z = randn_like(trainable, seed: step)
  let g = (loss(trainable + eps * z) - loss(trainable - eps * z)) / (2 * eps)
  grad = g * z
}

/// MeZO as a method: the SPSA gradient with plain SGD (the paper's setting), replacing the
/// recipe's gradient and optimizer.
method mezo(eps: float = 1e-3, lr: float = 1e-6, weight_decay: float = 0.0) {
  gradient = spsa(eps: eps)
  optim = sgd(lr: lr, weight_decay: weight_decay)
}
