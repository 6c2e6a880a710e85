// My3DGen-style personalisation: low-rank updates of every linear plus a mirror-consistency
// regulariser (the reversed sequence plays the mirrored pose).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.my3dgen

recipe my3dgen_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply my3dgen(r: 4, symmetry: 0.1)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
