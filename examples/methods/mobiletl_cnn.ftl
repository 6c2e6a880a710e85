// MobileTL on its own kind of network: a MobileNetV2-style CNN on synthetic 8x8x3 images
// (flat synthetic_classification vectors viewed as HWC), top block only, norm shifts only.
import std.models.mobilenet_v2
import std.losses.classification
import std.optim.adamw
import std.methods.mobiletl

recipe mobiletl_cnn {
  model = mobilenet_v2(classes: 4, image: 8, channels: 3, width: 8, depth: 3)
  data = synthetic_classification(n: 256, dim: 192, classes: 4, seed: 0) |> shuffle(seed: 0) |> batch(16)
  apply mobiletl(blocks: 1, norm_scales: "norm_*.weight")
  loss = classification
  optim = adamw(lr: 3e-3)
  train(steps: 30, log_every: 10)
}
