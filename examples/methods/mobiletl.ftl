// MobileTL (trainable-set part): fine-tune the top block only, norms by their shifts.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.mobiletl

recipe mobiletl_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply mobiletl(blocks: 1)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
