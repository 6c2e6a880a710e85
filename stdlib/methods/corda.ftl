/// CorDA (Yang et al. 2024, "CorDA: Context-Oriented Decomposition Adaptation of Large
/// Language Models"): a calibration pass runs the frozen model on `batches` batches of the
/// recipe's data (on the host, at compile time, `calibration_tokens`) and collects, for
/// every `linear` matched by `targets`, the covariance C = X^T X of its inputs X [rows, in].
/// The context-oriented SVD W C = U S V^T (all n = min(out, in) components) gives
/// W = U S V^T C^-1 (C^-1 damped: eigenvalues + `damping`). The adapter takes r components:
///   mode "kpa" (knowledge-preserved: C from question-answering samples) the r *smallest*
///   singular values, so the world knowledge in the large ones stays frozen;
///   mode "ipa" (instruction-previewed: C from task instructions) the r *largest*.
/// B = (W C) V_r = U_r S_r [out, r], A = V_r^T C^-1 [r, in]; both train. The frozen
/// residual is W - B_0 A_0 (B_0, A_0 = the initial adapter, kept frozen), written as
/// y = base(x) + x (A^T B^T - A_0^T B_0^T), so the model starts as the base model exactly
/// (the paper stores W - B_0 A_0 in place of W: the same function). `merge` folds
/// B A - B_0 A_0 into the weight. Needs at least `in` calibration rows per layer.
method corda(
  r: int = 4,
  mode: string = "kpa",
  batches: int = 2,
  damping: float = 1e-6,
  targets: pattern = "blocks.*.attn.{q,v}"
) {
  freeze all
  let sites = modules(targets)
  for m: linear in sites {
    wrap m(x) = base(tap("corda.inputs", x))
  }
  let xs = calibration_tokens(data, batches: batches)
  let y = model(xs)
  let acts = last(taps("corda.inputs"), len(sites))
  for i in range(len(sites)) {
    let m = sites[i]
    let s = acts[i].shape
    let X = reshape(acts[i], [s[0] * s[1], m.in]) // (rows, in)
    let n = min(m.out, m.in)
    // C = Q^T diag(lam) Q from the right singular vectors / squared singular values of X
    param m.corda_q: f32[m.in, m.in] init activation_svd(X, r: m.in) frozen
    let lam = sum([l * float(arange(m.in) == j) for l, j in zip(activation_spectrum(X), range(m.in))])
    let c = m.corda_q^T @ (reshape(lam, [m.in, 1]) * m.corda_q) // (in, in)
    let cinv = m.corda_q^T @ (reshape(1.0 / (lam + damping), [m.in, 1]) * m.corda_q)
    // right singular vectors of W C, all n, by descending singular value
    param m.corda_vt: f32[n, m.in] init activation_svd(m.weight @ (X^T @ X), r: n) frozen
    let vt = m.corda_vt[0:r]
    if mode == "kpa" {
      vt = m.corda_vt[n - r:n]
    }
    param m.corda_a: f32[r, m.in] init vt @ cinv trainable
    param m.corda_b: f32[m.out, r] init m.weight @ c @ vt^T trainable
    param m.corda_a0: f32[r, m.in] init m.corda_a frozen
    param m.corda_b0: f32[m.out, r] init m.corda_b frozen
    wrap m(x) = base(x) + x @ (m.corda_a^T @ m.corda_b^T - m.corda_a0^T @ m.corda_b0^T)
    merge m.weight += m.corda_b @ m.corda_a - m.corda_b0 @ m.corda_a0
  }
}
