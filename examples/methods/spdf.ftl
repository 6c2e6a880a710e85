// SPDF, sparse phase: pre-train a tiny GPT-2 with 75% of every MLP weight masked to zero.
// The dense phase is the same recipe without `apply spdf_sparse`, started from the merged
// weights (runtime/train/stages.ts carryInto with merge).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.spdf

recipe sparse_pretrain {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply spdf_sparse(sparsity: 0.75, targets: "blocks.*.mlp.*")
  loss = causal_lm
  optim = adamw(lr: 3e-3)
  train(steps: 20, log_every: 5)
}
