// A gradient estimator in place of backprop: MeZO's SPSA with a seeded perturbation.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd

gradient spsa(eps: float = 1e-3) {
  let z = randn_like(trainable, seed: step)
  let g = (loss(trainable + eps * z) - loss(trainable - eps * z)) / (2 * eps)
  grad = g * z
}

recipe mezo {
  model = gpt2.load("models/tiny-gpt2")
  data = text("data/corpus.txt") |> tokenize(model.tokenizer) |> chunks(seq: 64) |> batch(4)
  loss = causal_lm
  gradient = spsa(eps: 1e-3)
  optim = sgd(lr: 1e-6)
  train(steps: 100)
}
