/// LoRA-guided importance of a weight's entries (LoRAPrune): |(W + s B A) * (G_B A + B G_A)|,
/// the LoRA gradients G_A, G_B standing in for the dense gradient of W. w (out, in),
/// a (r, in), b (out, r), ga, gb their gradients; returns (out, in).
fn lora_importance(w, a, b, ga, gb, s: float) {
  return abs((w + s * (b @ a)) * (gb @ a + b @ ga))
}

/// LoRAPrune (Zhang et al. 2024, "LoRAPrune: Structured Pruning Meets Low-Rank
/// Parameter-Efficient Fine-Tuning"): LoRA (rank r, scale alpha / r) on q, k, v, o of every
/// attention module matched by `targets`, and structured head pruning chosen with the
/// LoRA-guided criterion: on `batches` calibration batches of the recipe's data the loss
/// gradients of o's LoRA factors give lora_importance(o) (no dense gradient of W), summed
/// per head over o's input columns; pruned heads get head_mask = 0, a frozen per-head mask on
/// o's input, so they contribute exactly 0. Training updates only the LoRA factors; `merge`
/// folds B A into the weights and the mask into o's columns (pruned columns become zero).
/// Pruning is progressive: selection i (the first at compile time, then one every
/// `train(reselect_every: n)` steps, runtime/train/reselect.ts) prunes, per layer, the
/// lowest-scoring live heads until floor(ratio * heads * min(1, i / rounds)) are pruned;
/// pruned heads stay pruned. The score is a moving average over selections,
/// head_score = ema * head_score + (1 - ema) * importance (the first selection takes the
/// importance), evaluated at the current weights (trained LoRA factors included).
/// head_score and prune_round (the selection count) are frozen bookkeeping parameters the
/// selection rewrites. rounds = 1 (the default) prunes everything at compile time.
method loraprune(r: int = 8, alpha: float = 16.0, ratio: float = 0.5, batches: int = 1,
                 targets: pattern = "blocks.*.attn", rounds: int = 1, ema: float = 0.0) {
  freeze all
  let s = alpha / r
  let sites = modules(targets)
  for m: causal_self_attention in sites {
    for l: linear in [m.q, m.k, m.v, m.o] {
      param l.lora_a: f32[r, l.in]  init kaiming_uniform(a: sqrt(5)) trainable
      param l.lora_b: f32[l.out, r] init zeros trainable
      wrap l(x) = base(x) + s * (x @ l.lora_a^T @ l.lora_b^T)
    }
    for l: linear in [m.q, m.k, m.v] { merge l.weight += s * (l.lora_b @ l.lora_a) }
    param m.head_mask: f32[m.heads] init ones frozen
    param m.head_score: f32[m.heads] init zeros frozen
    param m.prune_round: f32[1] init zeros frozen
    let dh = m.d / m.heads
    wrap m.o(x) {
      let sh = x.shape
      let xm = reshape(x, [sh[0], sh[1], m.heads, dh]) * reshape(m.head_mask, [m.heads, 1])
      return base(reshape(xm, sh))
    }
    // (W + s B A) with the pruned heads' input columns zeroed (merge rules read the trained
    // values, so o's LoRA term is folded here rather than by a separate `+=`).
    merge m.o.weight = (m.o.weight + s * (m.o.lora_b @ m.o.lora_a)) * reshape(reshape(m.head_mask, [m.heads, 1]) * ones([m.heads, dh]), [1, m.heads * dh])
  }
  // Calibration: the loss on the recipe's data, its LoRA gradients, per-head scores.
  let xs = calibration_tokens(data, batches: batches)
  let total = loss(model, {tokens: xs, loss_mask: ones([xs.shape[0], xs.shape[1]])})
  for m: causal_self_attention in sites {
    let o = m.o
    let imp = lora_importance(o.weight, o.lora_a, o.lora_b, grad_of(total, o.lora_a), grad_of(total, o.lora_b), s)
    let now = host_eval(sum(reshape(imp, [o.out, m.heads, m.d / m.heads]), axis: [0, 2]))
    // Selection number i (1 at compile time) and the moving average (none before i = 2).
    let i = host_eval(m.prune_round)[0] + 1
    let e = ema * min(1, i - 1)
    let prev = host_eval(m.head_score)
    let live = host_eval(m.head_mask)
    let scores = [e * prev[h] + (1 - e) * now[h] for h in range(m.heads)]
    // Pruned heads rank lowest, so they stay pruned; k heads are pruned after this round.
    let key = [scores[h] * live[h] - 1e30 * (1 - live[h]) for h in range(m.heads)]
    let k = int(ratio * m.heads * min(1, i / rounds))
    // rank of head h among the layer's heads (lowest key first); keep heads ranked >= k
    let ranks = [len([j for j in range(m.heads) if key[j] < key[h] || (key[j] == key[h] && j < h)])
                 for h in range(m.heads)]
    reinit(m.head_mask, values_init([min(1, max(0, q - k + 1)) for q in ranks]))
    reinit(m.head_score, values_init(scores))
    reinit(m.prune_round, values_init([i]))
  }
}
