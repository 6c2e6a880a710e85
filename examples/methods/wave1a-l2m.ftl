// L2M: a pool of LoRA modulators retrieved per sequence by key similarity, over a frozen model.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.l2m

recipe l2m_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply l2m(pool: 4, r: 4)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
