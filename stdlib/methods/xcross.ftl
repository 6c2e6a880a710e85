/// X-Cross (Hadad et al. 2025, "X-Cross: Dynamic Integration of Language Models for
/// Cross-Domain Sequential Recommendation"), on a transformer LM: `sources` domain models
/// that share the frozen backbone and differ by their own LoRA adapters (frozen: `xc_a`
/// (N, r, in), `xc_b` (N, out, r) on every linear matched by `targets`, loaded from the
/// sources' runs) run side by side as N streams stacked on the batch axis (N*B, T, d).
/// After every block matched by `blocks`, each stream's representation is refined with the
/// others': h_s <- h_s + sum_t M[s, t] h_t (M = `xc_mix` (N, N), starting at zero = identity
/// integration), and after the last one the streams are combined with softmax(`xc_out`)
/// weights. Only M (per block) and the output weights train; no gradient reaches the
/// sources' LoRAs or the backbone. The paper's integration uses the other models'
/// activations through learned scaling of their differences; the linear mix here is that
/// mechanism's first-order form (stated).
method xcross(
  sources: int = 2,
  r: int = 4,
  alpha: float = 8.0,
  blocks: pattern = "blocks.*",
  targets: pattern = "blocks.*.attn.{q,v}"
) {
  freeze all
  let N = sources
  for m: linear in modules(targets) {
    param m.xc_a: f32[N, r, m.in] init normal(std: 0.02) frozen
    param m.xc_b: f32[N, m.out, r] init normal(std: 0.02) frozen
    wrap m(x) {
      let s = x.shape // (N*B, T, in)
      let xs = reshape(x, [N, s[0] / N * s[1], m.in]) // (N, B*T, in)
      let d = xs @ permute(m.xc_a, [0, 2, 1]) @ permute(m.xc_b, [0, 2, 1]) // (N, B*T, out)
      return base(x) + (alpha / r) * reshape(d, [s[0], s[1], m.out])
    }
  }
  let bs = modules(blocks)
  let n = len(bs)
  let root = model
  param root.xc_out: f32[N] init zeros trainable
  for b, i in zip(bs, range(n)) {
    param b.xc_mix: f32[N, N] init zeros trainable
    wrap b(x) {
      let h = x
      if i == 0 { // (B, T, d) -> N streams
        let s0 = x.shape
        h = reshape(
          reshape(x, [1, s0[0], s0[1], s0[2]]) + zeros([N, s0[0], s0[1], s0[2]]),
          [N * s0[0], s0[1], s0[2]]
        )
      }
      let y = base(h) // (N*B, T, d)
      let s = y.shape
      let ys = reshape(y, [N, s[0] / N * s[1] * s[2]])
      let z = ys + b.xc_mix @ ys // (N, B*T*d)
      if i == n - 1 {
        let w = reshape(softmax(root.xc_out), [N, 1])
        return reshape(sum(w * z, axis: 0), [s[0] / N, s[1], s[2]]) // (B, T, d)
      }
      return reshape(z, [s[0], s[1], s[2]])
    }
  }
}
