/// PockEngine / tiny-training sparse update under a memory budget (Zhu et al. 2023,
/// "PockEngine: Sparse and Efficient Fine-tuning in a Pocket"; Lin et al. 2022, "On-Device
/// Training Under 256KB Memory"): choose the tensors matched by `tensors` to update so
/// that their training memory, gradient + optimizer state = |W| * 4 bytes * (1 +
/// `state_slots`) (2 slots for Adam, 1 for SGD with momentum), fits `budget` ("2MB",
/// "512KB"), maximising the summed value; the choice is an exact knapsack at compile time
/// and shows in `ftl compile --report` (`trains`). Value: tensors nearer the output are
/// worth more (the papers' sensitivity analysis finds later layers contribute most per
/// byte); `value: "numel"` maximises updated parameters instead.
method sparse_update_budget(budget: string = "2MB", tensors: pattern = "blocks.**", state_slots: int = 2, value: string = "depth") {
  freeze all
  let names = param_names(tensors)
  let items = zip(names, range(len(names)))
  let worth = p => p[1] + 1
  if value == "numel" {
    worth = p => numel(p[0])
  }
  let chosen = knapsack(items, cost: p => numel(p[0]) * 4 * (1 + state_slots), value: worth, budget: bytes(budget))
  for p in chosen {
    unfreeze p[0]
  }
}
