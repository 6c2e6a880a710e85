import std.schedules.constant

/// AdamW (Loshchilov & Hutter): Adam moments with bias correction and decoupled weight
/// decay; the learning rate is lr * schedule(step). `step` counts from 1.
optimizer adamw(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-8, weight_decay: float = 0.0, schedule: schedule = constant) {
  state m = zeros_like(param)
  state v = zeros_like(param)
  update {
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    let lr_t = lr * schedule(step)
    param -= lr_t * ((m / (1 - beta1 ^ step)) / (sqrt(v / (1 - beta2 ^ step)) + eps) + weight_decay * param)
  }
}
