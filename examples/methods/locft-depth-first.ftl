// LocFT-BF's contrast: the same localized edit, trained depth-first. `repeat_each(4)` gives
// every edit (a 32-byte chunk) 4 consecutive steps before the next, in file order; compare
// with examples/methods/locft.ftl's breadth-first `shuffle |> batch` epochs.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locft

recipe locft_depth_first {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> repeat_each(4) |> batch(1)
  apply locft(layers: [-1], tensors: "mlp.proj.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
