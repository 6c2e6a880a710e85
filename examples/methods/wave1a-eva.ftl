// EVA: LoRA initialised from the SVD of calibration activations (two batches of this data).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.eva

recipe eva_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply eva(r: 4, batches: 2)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
