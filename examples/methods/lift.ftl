// LIFT: train only the Principal Weights (top 5% of |W_r|, rank-8 approximation) of the
// attention and MLP matrices of a tiny GPT-2 on the example corpus.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lift

recipe lift_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 64, heads: 4, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply lift(rank: 8, density: 0.05, targets: "blocks.*.{attn.*,mlp.*}.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
