// LocFT-BF: edit facts by fine-tuning only the MLP output projection of the last block,
// breadth-first (shuffled mini-batches over all edits, epoch after epoch).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locft

recipe locft_edit {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> shuffle(seed: 0) |> batch(8)
  apply locft(layers: [-1], tensors: "mlp.proj.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 20, log_every: 5)
}
