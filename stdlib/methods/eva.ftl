/// EVA, Explained Variance Adaptation (Paischer et al. 2024, "One Initialization to Rule
/// them All: Fine-tuning via Explained Variance Adaptation"): LoRA whose A matrices are
/// initialised data-driven. A calibration pass runs the frozen model on `batches` batches
/// of the recipe's own data (on the host, at compile time); for every `linear` matched by
/// `targets` the SVD of its stacked input activations X [rows, in] gives A = V_r^T (the
/// top right-singular vectors), B = 0 so training starts at the base model. Ranks are
/// redistributed over the layers: the `r * layers` components with the largest
/// explained-variance ratios across all layers are kept (at most rho * r and at least 1
/// per layer). Scale alpha / r_layer as in LoRA; `merge` folds B A into the weight. The
/// paper's incremental SVD over many minibatches is replaced by one exact SVD of the
/// stacked calibration activations.
method eva(r: int = 4, alpha: float = 8.0, rho: float = 2.0, batches: int = 2,
           targets: pattern = "blocks.*.attn.{q,v}") {
  freeze all
  let sites = modules(targets)
  for m: linear in sites {
    wrap m(x) = base(tap("eva.inputs", x))
  }
  let xs = calibration_tokens(data, batches: batches)
  let y = model(xs)
  let acts = last(taps("eva.inputs"), len(sites))
  let ranks = eva_ranks(acts, budget: r * len(sites), max_rank: rho * r)
  for i in range(len(sites)) {
    let m = sites[i]
    let ri = ranks[i]
    param m.lora_a: f32[ri, m.in]  init activation_svd(acts[i], r: ri) trainable
    param m.lora_b: f32[m.out, ri] init zeros trainable
    wrap m(x) = base(x) + (alpha / ri) * (x @ m.lora_a^T @ m.lora_b^T)
    merge m.weight += (alpha / ri) * (m.lora_b @ m.lora_a)
  }
}
