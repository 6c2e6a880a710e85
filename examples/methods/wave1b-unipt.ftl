// UniPT on a tiny GPT-2: a side network over the detached outputs of every block, added
// after the final LayerNorm; no backward pass through the backbone.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.unipt

recipe unipt_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply unipt(width: 16, blocks: "blocks.*", final: "ln_f")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
