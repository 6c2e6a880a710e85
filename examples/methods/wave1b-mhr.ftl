// MHR on a tiny GPT-2: an inventory of 4 LoRA adapters on q/v, routed head by head (2
// heads) for task 0. For MHR-z pass train_adapters: false; for MHR-mu use mhr_mu.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.mhr

recipe mhr_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply mhr(inventory: 4, heads: 2, r: 4, alpha: 8.0, targets: "blocks.*.attn.{q,v}")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
