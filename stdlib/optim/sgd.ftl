import std.schedules.constant

/// SGD with heavy-ball momentum and L2 weight decay (PyTorch torch.optim.SGD without
/// dampening): buf = momentum * buf + (grad + wd * param); param -= lr_t * buf.
optimizer sgd(lr: float = 1e-2, momentum: float = 0.0, weight_decay: float = 0.0, schedule: schedule = constant) {
  state buf = zeros_like(param)
  update {
    buf = momentum * buf + grad + weight_decay * param
    param -= lr * schedule(step) * buf
  }
}
