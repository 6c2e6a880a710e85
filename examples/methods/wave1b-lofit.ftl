// LoFiT on a tiny GPT-2, step 2: offsets on the heads step 1 chose. Step 1 is the same recipe
// with `apply lofit_scale(l1: 1e-3)`; topHeadsByNorm (compiler/features/head-select.ts) turns
// its trained scales into the [layer, head] list below.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lofit

recipe lofit_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply lofit_bias(heads: [[0, 1], [1, 0]])
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
