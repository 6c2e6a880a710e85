// InfMLLM-style stage 1 on a toy "vision" classifier: a 4x4 grid of 2-dim patch embeddings
// is pooled to 2x2 tokens (raster order) by the pool-adapter; only the adapter trains.
// (Later stages would widen the trainable set: train_only("**") is full fine-tuning.)
import std.nn.pool_adapter
import std.nn.linear
import std.losses.classification
import std.optim.adamw
import std.methods.train_only

/// Patch grid [B, 16 * 2] -> pool-adapter [B, 4, 4] -> linear head over the pooled tokens.
model toy_vlm(grid: int = 4, pooled: int = 2, d: int = 2, width: int = 4, classes: int = 3) {
  pool = pool_adapter(d, grid, pooled, width)
  head = linear(pooled * pooled * width, classes)
  forward(x: f32[B, D]) {
    let v = pool(reshape(x, [x.shape[0], grid * grid, d]))
    return head(reshape(v, [x.shape[0], pooled * pooled * width]))
  }
}

recipe infmllm_stage1 {
  model = toy_vlm()
  data = synthetic_classification(n: 64, dim: 32, classes: 3, seed: 0) |> shuffle(seed: 0) |> batch(8)
  apply train_only("pool.**")
  loss = classification
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
