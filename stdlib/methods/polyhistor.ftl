/// Polyhistor (Liu et al. 2022, "Polyhistor: Parameter-Efficient Multi-Task Adaptation for
/// Dense Vision Tasks"), on a transformer LM: every module matched by `targets` gets a serial
/// bottleneck adapter y + relu(y W_down^T) W_up^T whose weights are *generated*, not stored:
///   decomposed hypernetworks: a task embedding e_t (`tasks` x `emb`) gives a small task
///   template, a layer embedding e_l (one per adapted layer) gives a layer-wise scaling
///   kernel, and the weight is their product:
///     W_down = reshape(e_t H_td, [size, k]) @ reshape(e_l H_ld, [k, d])     (size, d)
///     W_up   = reshape(e_l H_lu, [d, k]) @ reshape(e_t H_tu, [k, size])     (d, size)
/// with H_lu starting at zero (so W_up = 0 and the model starts as the base model exactly).
/// Only the embeddings and the four hypernetworks train (shared by all layers and tasks):
///   tasks*emb + L*emb + emb*(size*k) + emb*(k*d) + emb*(d*k) + emb*(k*size) parameters
/// (`lite: true`, Polyhistor-Lite: the up projection reuses the down templates, dropping H_tu).
/// This recipe trains task `task` (one stage per task for multi-task training). The paper's
/// hierarchical-ViT width changes are what the scaling kernels adapt to; here all layers
/// share d (mechanism on the transformer, stated).
method polyhistor(
  size: int = 8,
  k: int = 4,
  emb: int = 8,
  tasks: int = 1,
  task: int = 0,
  lite: bool = false,
  targets: pattern = "blocks.*.mlp"
) {
  freeze all
  let sites = modules(targets)
  let n = len(sites)
  let d = sites[0].d
  let root = model
  param root.poly_task_emb: f32[tasks, emb] init normal(std: 1.0) trainable
  param root.poly_layer_emb: f32[n, emb] init normal(std: 1.0) trainable
  param root.poly_h_task_down: f32[emb, size * k] init normal(std: 0.1) trainable
  param root.poly_h_layer_down: f32[emb, k * d] init normal(std: 0.1) trainable
  param root.poly_h_layer_up: f32[emb, d * k] init zeros trainable
  param root.poly_h_task_up: f32[emb, k * size] init normal(std: 0.1) trainable if lite == false
  for m, i in zip(sites, range(n)) {
    wrap m(x) {
      let y = base(x)
      let et = root.poly_task_emb[task] // (emb)
      let el = root.poly_layer_emb[i] // (emb)
      let td = reshape(et @ root.poly_h_task_down, [size, k])
      let w_down = td @ reshape(el @ root.poly_h_layer_down, [k, d]) // (size, d)
      let tu = td^T
      if lite == false {
        tu = reshape(et @ root.poly_h_task_up, [k, size])
      }
      let w_up = reshape(el @ root.poly_h_layer_up, [d, k]) @ tu // (d, size)
      return y + relu(y @ w_down^T) @ w_up^T
    }
  }
}
