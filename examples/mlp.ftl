// A two-layer perceptron on a seeded synthetic 4-class dataset (compiler/train/synthetic.ts).
import std.models.mlp_classifier
import std.losses.classification
import std.optim.adamw

recipe mlp {
  model = mlp_classifier(dim: 8, hidden: 32, classes: 4)
  data  = synthetic_classification(n: 256, dim: 8, classes: 4, seed: 0) |> shuffle(seed: 0) |> batch(32)
  loss  = classification
  optim = adamw(lr: 1e-2)
  train(steps: 60, log_every: 10)
}
