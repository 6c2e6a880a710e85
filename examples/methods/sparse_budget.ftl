// PockEngine-style sparse update under a 64 KB training-memory budget (gradients + Adam
// state); `ftl compile examples/methods/sparse_budget.ftl --report` shows the choice.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.sparse_budget

recipe budgeted {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply sparse_update_budget(budget: "64KB")
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
