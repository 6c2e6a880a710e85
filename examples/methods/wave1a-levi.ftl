// LEVI: a frozen GPT-2 and a small transformer trained from scratch, ensembled layer-wise
// through per-block adapters and learned combination weights.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.levi

recipe levi_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply levi(small_d: 16, adapter: 8, ctx: 64)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
