/// UniPT (Diao et al. 2024, "UniPT: Universal Parallel Tuning for Transfer Learning with
/// Efficient Parameter and Memory"), on a transformer LM: a small side network reads the
/// detached outputs of every block matched by `blocks` (hidden-state taps, so no gradient
/// ever enters the backbone) and adds its result to the output of the `final` module
/// (the final norm, before the head).
///   parallel interaction: z_l = relu(h_l D_l^T), D_l (width, d), one per tapped layer;
///   confidence aggregation: c_l = softmax_l(z_l . q) per token, agg = sum_l c_l z_l;
///   output: final(x) + agg U^T, U (d, width) starting at zero (so the model starts as the
///   base model exactly).
/// Only D, q and U train; the compiled step has no backward through the backbone (its
/// activations die after the forward), which is the method's memory saving. The paper's
/// interaction module also mixes each layer with the last layer's features; here each layer
/// is projected on its own (a simplification, stated).
method unipt(width: int = 16, blocks: pattern = "blocks.*", final: pattern = "ln_f") {
  freeze all
  let taps_at = modules(blocks)
  let n = len(taps_at)
  let f = modules(final)[0]
  let d = f.weight.shape[0]
  for b in taps_at {
    wrap b(x) = tap("unipt.h", detach(base(x)))
  }
  param f.unipt_down: f32[n, width, d] init normal(std: 0.02) trainable
  param f.unipt_query: f32[width] init zeros trainable
  param f.unipt_up: f32[d, width] init zeros trainable
  wrap f(x) {
    let y = base(x) // (B, T, d)
    let zs = [relu(h @ f.unipt_down[i]^T) for h, i in zip(last(taps("unipt.h"), n), range(n))]
    let s = y.shape
    let z = concat([reshape(zi, [s[0], s[1], 1, width]) for zi in zs], axis: 2) // (B, T, L, w)
    let c = softmax(z @ reshape(f.unipt_query, [width, 1]), axis: 2) // (B, T, L, 1)
    let agg = sum(c * z, axis: 2) // (B, T, w)
    return y + agg @ f.unipt_up^T
  }
}
