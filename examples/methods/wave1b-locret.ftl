// Locret on a tiny GPT-2: retaining heads learn each KV unit's max future attention from the
// frozen backbone; locret_keep(scores, budget) then chooses the units a bounded cache keeps.
// Generation with the heads: add `save: "out"` to train(...), then
//   ftl generate --model out --prompt "..." --chunk 8 --kv-budget 12 --local 2
// prefills 8 tokens per step and keeps at most 12 cached units per layer and head.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locret

recipe locret_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply locret(hidden: 16)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
