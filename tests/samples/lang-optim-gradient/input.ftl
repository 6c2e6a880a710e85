optimizer adamw(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-8, weight_decay: float = 0, schedule: schedule = constant) {
  state m = zeros_like(param)
  state v = zeros_like(param)
  update {
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    let lr_t = lr * schedule(step)
    param -= lr_t * ((m / (1 - beta1 ^ step)) / (sqrt(v / (1 - beta2 ^ step)) + eps) + weight_decay * param)
  }
}

/// MeZO: zeroth-order SPSA gradient; no backward graph, inference-level memory.
gradient spsa(eps: float = 1e-3) {
  let z = randn_like(trainable, seed: step)          // regenerated from the seed, never stored
  let g = (loss(trainable + eps * z) - loss(trainable - eps * z)) / (2 * eps)
  grad = g * z
}
