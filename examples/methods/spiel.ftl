// SpIEL: 1% of every block matrix active, pruned and regrown every 5 steps from the
// deltas and the gradient statistics of the next 2 batches (train(reselect_every:)).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.spiel

recipe spiel_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply spiel(density: 0.01, targets: "blocks.*.{attn,mlp}.*.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-3, weight_decay: 0.0)
  train(steps: 20, log_every: 5, reselect_every: 5)
}
