// MixLoRA with sparse top-k dispatch: each token's hidden state goes only to its 2 chosen
// experts (of 4), at most capacity * k * tokens / E rows per expert (overflow dropped, as in
// Switch/GShard), so the experts cost about k/E of the dense form (`ftl compile --report`).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.mixlora

recipe mixlora_sparse_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply mixlora(experts: 4, k: 2, r: 4, alpha: 8.0, balance: 0.01, capacity: 1.25)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
