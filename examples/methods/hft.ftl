// HFT: two stages, each training a freshly drawn half of every block's matrices.
// Each stage compiles on its own graph; runtime/train/stages.ts carries weights between them.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.hft

recipe hft_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(8)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  stage first { apply hft(seed: 1); train(steps: 10, log_every: 5) }
  stage second { apply hft(seed: 2); train(steps: 10, log_every: 5) }
}
