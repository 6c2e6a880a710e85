// Bit-cipher embeddings: the token table is computed from the data without backpropagation
// and frozen; the rest of the model trains.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.bit_cipher

recipe bit_cipher_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply bit_cipher(window: 2, batches: 4)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
