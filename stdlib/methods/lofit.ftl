/// LoFiT step 1 (Yin et al. 2024, "LoFiT: Localized Fine-tuning on LLM Representations"):
/// learn a scaling vector A per attention head on the heads' outputs (the input of the
/// output projection `o`, [B, T, H*dh] = H heads of dh): z_h <- (1 + A_h) * z_h, A starting
/// at zero (the base model exactly), with the L1 penalty `l1 * sum |A|` added to the loss.
/// Everything else is frozen. The heads whose ||A_h|| is largest are then chosen for step 2
/// (`topHeadsByNorm` in compiler/features/head-select.ts reads them from the trained values).
/// `merge` folds the scales into the columns of `o`.
method lofit_scale(l1: float = 1e-3, targets: pattern = "blocks.*.attn") {
  freeze all
  let sites = modules(targets)
  for m: causal_self_attention in sites {
    param m.lofit_a: f32[m.d] init zeros trainable
    wrap m.o(x) = base(x * (1 + m.lofit_a))
    merge m.o.weight = m.o.weight * (1 + m.lofit_a)
  }
  let l = loss
  loss = (mm, bb) => l(mm, bb) + l1 * sum([sum(abs(m.lofit_a)) for m in sites])
}

/// LoFiT step 2: learn offset vectors v_h (dh each) added to the outputs of the selected
/// heads only, z_h <- z_h + v_h, v starting at zero; `heads` lists [layer, head] pairs
/// (layer = index among the modules matched by `targets`). Exactly len(heads) * dh
/// parameters train. `merge` folds the offsets into the bias of `o` (o(z + v) = o(z) + W_o v).
method lofit_bias(heads: [[int]], targets: pattern = "blocks.*.attn") {
  freeze all
  for m, i in zip(modules(targets), range(len(modules(targets)))) {
    let hs = [p[1] for p in heads if p[0] == i]
    if len(hs) > 0 {
      let H = m.heads
      let dh = m.d / m.heads
      // place (H, count): column c is the one-hot of selected head hs[c]
      let place = concat([reshape(float(arange(H) == h), [H, 1]) for h in hs], axis: 1)
      param m.lofit_v: f32[len(hs), dh] init zeros trainable
      wrap m.o(x) = base(x + reshape(place @ m.lofit_v, [m.d]))
      merge m.o.bias += m.o.weight @ reshape(place @ m.lofit_v, [m.d])
    }
  }
}
