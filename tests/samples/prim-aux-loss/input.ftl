// Auxiliary losses added by a method: an L2-SP penalty pulling weights toward their
// starting values, and a z-loss on the logits.
import std.losses.causal_lm

/// L2-SP (Xuhong et al.): loss += alpha/2 * ||w - w0||^2 over the trainable weights.
method l2sp(alpha: float = 0.01) {
  let start = reference(model)
  for m in modules("**") {
    loss += 0.5 * alpha * sum((m.weight - start[m.name].weight) ^ 2)
  }
}

/// z-loss: penalise log Z of the output logits.
loss zloss_lm(model, batch, z: float = 1e-4) {
  let logits = model(batch.tokens)
  return causal_lm(model, batch) + z * mean(logsumexp(logits, axis: -1) ^ 2)
}
