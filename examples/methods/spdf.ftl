// SPDF on a tiny GPT-2 in one recipe: stage `sparse` pre-trains with 75% of every MLP
// weight masked to zero; stage `dense` drops the mask, starting from the merged weights
// W * M (`drop spdf_sparse merged` folds the method's `merge` rule in), where the zeroed
// entries learn again.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.spdf

recipe spdf_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  loss = causal_lm
  optim = adamw(lr: 3e-3)
  stage sparse {
    apply spdf_sparse(sparsity: 0.75, targets: "blocks.*.mlp.*")
    train(steps: 20, log_every: 5)
  }
  stage dense {
    drop spdf_sparse merged
    train(steps: 10, log_every: 5)
  }
}
