// ABMLL on a tiny GPT-2: variational LoRA on q/v whose task posterior is tied to global
// LoRA factors by a KL term (negative ELBO); merge/export folds the posterior mean.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.abmll

recipe abmll_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply abmll(r: 4, alpha: 8.0, beta: 1e-4, prior_std: 0.1, targets: "blocks.*.attn.{q,v}")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
