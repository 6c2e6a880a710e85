// A tiny GPT-2 trained from scratch on a byte-tokenized text file.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.schedules.cosine

recipe tiny_gpt {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data  = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> shuffle(seed: 0) |> batch(8)
  loss  = causal_lm
  optim = adamw(lr: 3e-3, weight_decay: 0.01, schedule: cosine(warmup: 5))
  train(steps: 100, log_every: 10, clip: 1.0)
}
