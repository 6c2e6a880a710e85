// KappaTune: fine-tune only the 4 weight matrices with the lowest condition number.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.kappatune

recipe kappatune_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply kappatune(count: 4, targets: "blocks.*.{attn,mlp}.*.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
