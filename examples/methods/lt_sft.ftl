// LT-SFT: phase 1 (`dense`) fine-tunes everything; phase 2 (`sparse`) is built with phase
// 1's trained weights (compiler/features/selection.ts withWeights, as
// tests/methods/lt-sft.test.ts does) and retrains only the 5% of entries that moved most,
// from the original weights. `ftl run --recipe dense` runs phase 1 on its own.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lt_sft

recipe dense {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}

recipe sparse {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply lt_sft(density: 0.05, targets: "blocks.*.{attn,mlp}.*.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-3, weight_decay: 0.0)
  train(steps: 20, log_every: 5)
}
