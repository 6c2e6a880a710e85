// DiffuseKronA: Kronecker-product adapters on the attention projections of a tiny GPT-2.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.diffusekrona

recipe diffusekrona_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply diffusekrona(a1: 4, a2: 4)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
