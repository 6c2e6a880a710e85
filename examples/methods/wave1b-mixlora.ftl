// MixLoRA on a tiny GPT-2: each MLP becomes 4 LoRA experts over the frozen weights with a
// top-2 router and the Switch load-balance loss; q/v get plain LoRA too.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.mixlora

recipe mixlora_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply mixlora(experts: 4, k: 2, r: 4, alpha: 8.0, balance: 0.01, attn_r: 4)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
