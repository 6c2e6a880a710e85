// My3DGen's low-rank update on convolutions: a small NHWC CNN (two std.nn.conv2d layers)
// personalised by rank-2 updates of both kernels, W' = W + (alpha / r) reshape(B A).
// The method's merge rules fold them back into the kernels (compiler/train/merge.ts
// mergedParams; `ftl merge` exports only gpt2/llama layouts). symmetry: 0 (the mirror
// regulariser reads token batches; this model takes images).
import std.nn.conv2d
import std.optim.adamw
import std.methods.my3dgen

model cnn() {
  c1 = conv2d(2, 8, k: 3, stride: 1, pad: 1)
  c2 = conv2d(8, 4, k: 3, stride: 2, pad: 1)
  forward(x: f32[N, 128]) = c2(relu(c1(reshape(x, [x.shape[0], 8, 8, 2]))))
}

recipe my3dgen_conv {
  model = cnn()
  data = synthetic_classification(n: 64, dim: 128, classes: 4, seed: 1) |> batch(8)
  apply my3dgen(r: 2, symmetry: 0.0, targets: "c{1,2}")
  loss = (m, b) => mean((mean(m(b.x), axis: [1, 2]) - one_hot(b.label, 4)) ^ 2)
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
