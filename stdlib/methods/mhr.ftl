/// Per-column routing weights of MHR: head k's weights over the inventory, sigmoid(z) / sum,
/// repeated over that head's block of `n` columns. z: (heads, m) -> (n, m).
fn mhr_weights(z, n: int) {
  let h = z.shape[0]
  let m = z.shape[1]
  let w = sigmoid(z) / sum(sigmoid(z), axis: -1, keepdim: true) // (h, m)
  return reshape(reshape(w, [h, 1, m]) + zeros([h, n / h, m]), [n, m]) // (n, m)
}

/// The routed factor: column block k of the result mixes column block k of every inventory
/// entry with head k's weights. inv: (m, rows, n), z: (heads, m) -> (rows, n).
fn mhr_mix(inv, z) {
  let w = mhr_weights(z, inv.shape[2]) // (n, m)
  return sum(permute(inv, [1, 2, 0]) * w, axis: -1) // (rows, n)
}

/// MHR (Caccia et al. 2023, "Multi-Head Adapter Routing for Cross-Task Generalization"),
/// on every matched linear: an inventory of `inventory` LoRA adapters (inv_a (m, r, in),
/// inv_b (m, out, r)) and, per task, a routing matrix z (heads, m). The LoRA factors of the
/// task are routed head by head: A's input columns and B's output rows are split into
/// `heads` blocks and block k is the mix sum_j w_kj A_j[block k] with w_k = sigmoid(z_k) /
/// sum_j sigmoid(z_kj) (Polytropon's normalised sigmoid routing; `heads: 1` is Poly).
/// Output W x + (alpha / r) B_t A_t x. `routing` is (tasks, heads, m); this recipe trains
/// task `task` (multi-task training: one stage per task). `train_adapters: false` is MHR-z
/// (only the routing trains; the inventory stays as loaded). Inventory B starts at zero, so
/// the model starts as the base model. `merge` folds the routed adapter of `task`.
method mhr(
  inventory: int = 4,
  heads: int = 2,
  r: int = 4,
  alpha: float = 8.0,
  tasks: int = 1,
  task: int = 0,
  train_adapters: bool = true,
  targets: pattern = "**"
) {
  freeze all
  for m: linear in modules(targets) {
    param m.inv_a: f32[inventory, r, m.in] init normal(std: 0.02)
    param m.inv_b: f32[inventory, m.out, r] init zeros
    param m.routing: f32[tasks, heads, inventory] init uniform(low: -0.001, high: 0.001) trainable
    wrap m(x) {
      let z = m.routing[task] // (heads, m)
      let a = mhr_mix(m.inv_a, z) // (r, in)
      let b = permute(mhr_mix(permute(m.inv_b, [0, 2, 1]), z), [1, 0]) // (out, r)
      return base(x) + (alpha / r) * (x @ a^T @ b^T)
    }
    merge m.weight +=
      (alpha / r)
        * (permute(mhr_mix(permute(m.inv_b, [0, 2, 1]), m.routing[task]), [1, 0])
          @ mhr_mix(m.inv_a, m.routing[task]))
    // MHR-z: the inventory stays as loaded, only the routing trains.
    if train_adapters == false {
      freeze m["inv_a"]
      freeze m["inv_b"]
    }
  }
}

/// MHR-mu (Caccia et al. 2023): drop the routing and fine-tune one LoRA adapter started
/// from the average of the pre-trained inventory, lora_a = mean_j inv_a[j],
/// lora_b = mean_j inv_b[j] (the inventory is kept frozen, under the same names as `mhr`'s,
/// so an MHR checkpoint loads into it). Plain LoRA from there; `merge` folds it.
method mhr_mu(inventory: int = 4, r: int = 4, alpha: float = 8.0, targets: pattern = "**") {
  freeze all
  for m: linear in modules(targets) {
    param m.inv_a: f32[inventory, r, m.in] init normal(std: 0.02) frozen
    param m.inv_b: f32[inventory, m.out, r] init normal(std: 0.02) frozen
    param m.lora_a: f32[r, m.in] init mean(m.inv_a, axis: 0) trainable
    param m.lora_b: f32[m.out, r] init mean(m.inv_b, axis: 0) trainable
    wrap m(x) = base(x) + (alpha / r) * (x @ m.lora_a^T @ m.lora_b^T)
    merge m.weight += (alpha / r) * (m.lora_b @ m.lora_a)
  }
}
