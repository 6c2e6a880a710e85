// DiffRate with token merging: the tokens a layer removes join their most similar later kept
// token (count-weighted averages, proportional attention); per-layer rates learned by
// gradient toward a FLOPs target, backbone frozen.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.diffrate

recipe diffrate_merge_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply diffrate(target: 0.75, keep_bias: 0.0, merge: true)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
