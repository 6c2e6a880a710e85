// CorDA on a tiny GPT-2, knowledge-preserved mode: a compile-time calibration pass over two
// batches of the corpus gives each q/v layer's input covariance C; the adapter starts from
// the r smallest singular components of W C (use mode: "ipa" for the largest).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.corda

recipe corda_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply corda(r: 4, mode: "kpa", batches: 2)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
