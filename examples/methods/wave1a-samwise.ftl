// SAMWISE-style adapters: frozen backbone, zero-initialised adapters mixing the previous
// position and a conditioning vector (the first 4 tokens) into every block.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.samwise

recipe samwise_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply samwise(size: 8, caption: 4)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
