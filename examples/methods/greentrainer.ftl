// GreenTrainer: train the tensors worth most under 40% of full fine-tuning's backward FLOPs,
// worth = the first-order loss reduction of one update (gradient x update) on 2 batches,
// re-selected every 5 steps at the current weights.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.greentrainer

recipe green {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  apply greentrainer(rho: 0.4, tokens: 256, targets: "blocks.*.{attn,mlp}.*.weight",
                     value: "taylor", batches: 2)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5, reselect_every: 5)
}
