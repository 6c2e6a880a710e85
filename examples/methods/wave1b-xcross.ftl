// X-Cross on a tiny GPT-2: two source "domain models" (the shared frozen backbone with their
// own q/v LoRAs, which a real run loads from the sources' checkpoints) run as two streams;
// only the per-block integration and the output mixing train.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.xcross

recipe xcross_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply xcross(sources: 2, r: 4, alpha: 8.0)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
