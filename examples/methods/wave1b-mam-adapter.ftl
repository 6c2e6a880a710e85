// The unified view's Mix-and-Match adapter on a tiny GPT-2: prefix tuning in attention plus a
// scaled parallel adapter beside each MLP; the rest of the model is frozen.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.parallel_adapter

recipe mam_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply mam_adapter(prefix: 4, size: 8, scale: 4.0)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
