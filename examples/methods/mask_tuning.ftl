// Regularized Mask Tuning: learn a binary mask over the frozen MLP weights of a classifier
// (scores start just above the threshold), with 10% gradient dropout on the scores.
import std.models.mlp_classifier
import std.losses.classification
import std.optim.sgd
import std.methods.mask_tuning

recipe masked {
  model = mlp_classifier(dim: 16, hidden: 64, classes: 4)
  data = synthetic_classification(n: 512, dim: 16, classes: 4, seed: 0) |> shuffle(seed: 0) |> batch(32)
  apply mask_tuning(targets: "fc1", init_score: 0.51, grad_drop: 0.1)
  loss = classification
  optim = sgd(lr: 5.0)
  train(steps: 40, log_every: 10)
}
