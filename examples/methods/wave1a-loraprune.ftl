// LoRAPrune: LoRA on attention; half of each layer's heads pruned by the LoRA-guided criterion,
// progressively over 3 selections 5 steps apart, scores averaged across selections.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.loraprune

recipe loraprune_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 4, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply loraprune(r: 4, ratio: 0.5, rounds: 3, ema: 0.5)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20, reselect_every: 5)
}
