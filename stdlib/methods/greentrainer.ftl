/// GreenTrainer (Huang et al. 2024, "Towards Green AI in Fine-tuning Large Language Models
/// via Adaptive Backpropagation"): choose the weight tensors to train that maximise their
/// total importance under a backward-FLOPs budget of `rho` x full fine-tuning. The cost
/// model counts, per linear weight W [out, in] over `tokens` tokens per step, 2*tokens*|W|
/// FLOPs for dW and as many for backpropagating through it; training a tensor forces the
/// backward through every tensor above it, and the optimum is found exactly (a knapsack
/// per deepest tensor). Importance (`value`):
///   "taylor"   the paper's first-order loss change of updating the tensor, -sum(g * dW)
///              with dW = -lr * g one SGD step: lr * sum(g^2) (lr does not change the
///              ranking); g is the loss gradient on `batches` calibration batches of the
///              recipe's token data, computed on the host at each selection at the
///              current weights;
///   "gradient" summed |gradient| over `train(reselect_batches:)` batches (default 2) of
///              the data at the selection point, a cruder proxy;
///   "numel"    parameter count (the default, needs no data); "depth" position in the model.
/// Tensors below the deepest chosen one get no backward at all. With
/// `train(reselect_every: n)` the selection is re-run every n steps with the current weights
/// (runtime/train/reselect.ts), as the paper re-selects periodically: a tensor that leaves
/// the set keeps its trained value, one that stays keeps its optimizer state.
method greentrainer(rho: float = 0.5, tokens: int = 1, targets: pattern = "**.weight", value: string = "numel",
                    batches: int = 1) {
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
  if value == "taylor" {
    let xs = calibration_tokens(data, batches: batches)
    let total = loss(model, {tokens: xs, loss_mask: ones([xs.shape[0], xs.shape[1]])})
    // one host evaluation for all tensors: sum(g^2) per tensor
    let g2 = host_eval(concat([reshape(sum(grad_of(total, param_of(n)) ^ 2), [1]) for n in names], 0))
    worth = p => g2[p[1]]
  }
  let chosen = layered_knapsack(items, cost: p => [2 * tokens * numel(p[0]), 2 * tokens * numel(p[0])], value: worth, ratio: rho)
  for p in chosen {
    unfreeze p[0]
  }
}
