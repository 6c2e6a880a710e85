/// GreenTrainer (Huang et al. 2024, "Towards Green AI in Fine-tuning Large Language Models
/// via Adaptive Backpropagation"): choose the weight tensors to train that maximise their
/// total importance under a backward-FLOPs budget of `rho` x full fine-tuning. The cost
/// model counts, per linear weight W [out, in] over `tokens` tokens per step, 2*tokens*|W|
/// FLOPs for dW and as many for backpropagating through it; training a tensor forces the
/// backward through every tensor above it, and the optimum is found exactly (a knapsack
/// per deepest tensor). Importance: each tensor's parameter count (`value: "numel"`, the
/// default), its depth (`"depth"`), or its summed |gradient| over calibration batches
/// (`"gradient"`, a first-order proxy for the paper's loss-reduction estimate; build the
/// recipe inside withWeights(weights, f, gradientStats(...))). Tensors below the deepest
/// chosen one get no backward at all.
method greentrainer(rho: float = 0.5, tokens: int = 1, targets: pattern = "**.weight", value: string = "numel") {
  freeze all
  let names = param_names(targets, ndim: 2)
  let items = zip(names, range(len(names)))
  let worth = p => numel(p[0])
  if value == "depth" {
    worth = p => p[1] + 1
  }
  if value == "gradient" {
    worth = p => grad_sum(p[0])
  }
  let chosen = layered_knapsack(items, cost: p => [2 * tokens * numel(p[0]), 2 * tokens * numel(p[0])], value: worth, ratio: rho)
  for p in chosen {
    unfreeze p[0]
  }
}
