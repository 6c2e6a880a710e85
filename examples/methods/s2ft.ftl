// S2FT: per block, 8 FFN channels and 1 of the 2 attention heads are permuted to the front;
// only those dense column slices of the MLP down-projection and of the attention output
// projection train.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.s2ft

recipe s2ft_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply s2ft(channels: 8, heads: 1)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
