/// PaCA, Partial Connection Adaptation (Woo et al. 2025, "PaCA: Partial Connection
/// Adaptation for Efficient Fine-Tuning"): fine-tune `r` randomly chosen input columns
/// (connections) of each pretrained `linear` weight matched by `targets` instead of adding
/// an adapter branch. The trainable part is D [out, r] over the selected columns S:
///   y = W x + D (x[S])      (x[S] = x @ sel, sel a frozen one-hot [in, r] matrix)
/// so dD = dY^T x[S]: only the r selected input activations are kept for backward, and
/// `merge` writes W[:, S] += D (nothing remains at inference). Columns are drawn per layer
/// from `seed` and the layer's path.
method paca(r: int = 8, targets: pattern = "**", seed: int = 0) {
  freeze all
  for m: linear in modules(targets) {
    param m.paca_sel: f32[m.in, r] init selector_matrix(random_indices(m.in, r, seed: seed, salt: path_of(m)), m.in) frozen
    param m.paca_delta: f32[m.out, r] init zeros trainable
    wrap m(x) = base(x) + (x @ m.paca_sel) @ m.paca_delta^T
    merge m.weight += m.paca_delta @ m.paca_sel^T
  }
}
