// LoFiT on a tiny GPT-2, both steps in one recipe: stage `select` learns per-head scales
// with an L1 penalty; stage `tune` drops them (`drop lofit_scale`: the base model again, as
// the paper does), keeps the 2 heads whose trained scale vectors have the largest norm
// (value_of reads them from stage `select`'s weights; group_norms + highest in lofit_bias)
// and learns offsets on those heads only.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lofit

recipe lofit_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  stage select { apply lofit_scale(l1: 1e-3); train(steps: 10, log_every: 5) }
  stage tune { drop lofit_scale; apply lofit_bias(k: 2); train(steps: 10, log_every: 5) }
}
