// LP-FT: linear probing of the head, then full fine-tuning from the probed head, then
// temperature scaling for calibration (each a stage; weights carry over between stages).
import std.models.mlp_classifier
import std.losses.classification
import std.optim.sgd
import std.methods.lp_ft

recipe probe_then_tune {
  model = mlp_classifier(dim: 16, hidden: 32, classes: 4)
  data = synthetic_classification(n: 512, dim: 16, classes: 4, seed: 1) |> batch(32)
  loss = classification
  optim = sgd(lr: 0.1)
  stage probe { apply linear_probe(head: "fc2"); train(steps: 50, log_every: 10) }
  stage finetune { apply full_finetune(); optim = sgd(lr: 0.02); train(steps: 50, log_every: 10) }
  stage calibrate { apply temperature_scaling(); optim = sgd(lr: 0.01); train(steps: 20) }
}
