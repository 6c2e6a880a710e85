// LT-SFT: phase 1 (`dense`) fine-tunes everything; phase 2 (`sparse`) is built with phase
// 1's trained weights (compiler/features/selection.ts withWeights, as
// tests/methods/lt-sft.test.ts does) and retrains only the 5% of entries that moved most,
// from the original weights; `sparse_global` instead keeps the 2000 entries that moved most
// over all targeted tensors together (the paper's global K). `ftl run --recipe dense` runs
// phase 1 on its own. Two sparse fine-tunings from the same start compose with the merge
// `compose_sparse` of std.methods.lt_sft (compiler/features/checkpoint-merge.ts
// evaluateMerge): theta0 + (theta_a - theta0) + (theta_b - theta0).
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

recipe sparse_global {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply lt_sft(k: 2000, targets: "blocks.*.{attn,mlp}.*.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-3, weight_decay: 0.0)
  train(steps: 20, log_every: 5)
}
