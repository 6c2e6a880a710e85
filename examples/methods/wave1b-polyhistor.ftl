// Polyhistor on a tiny GPT-2: MLP adapters whose weights a task/layer-decomposed hypernetwork
// generates; this recipe trains task 0 of 2 (Polyhistor-Lite: lite: true).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.polyhistor

recipe polyhistor_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply polyhistor(size: 8, k: 4, emb: 8, tasks: 2, task: 0)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
