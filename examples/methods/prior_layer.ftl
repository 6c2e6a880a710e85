// Prior-layer fine-tuning: a calibration pass over the first 4 batches scores every block by
// how well a linear probe on its hidden state (at the last prompt token) predicts the
// log-probability the model gives each row's last 8 tokens read alone; the 2 best blocks
// train, the rest stays frozen. With a real prior-dominated task the rows would be
// "prompt + answer" pairs (counting, acronyms) and the model a loaded checkpoint.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.prior_layer

recipe prior_layer_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 4)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply prior_layer(layers: 2, response: 8, batches: 4, metric: "probe")
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
