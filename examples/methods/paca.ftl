// PaCA: fine-tune 8 random input columns of every attention and MLP linear of a tiny GPT-2.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.paca

recipe paca_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply paca(r: 8, targets: "blocks.*.{attn,mlp}.*")
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
