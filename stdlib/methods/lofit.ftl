/// LoFiT step 1 (Yin et al. 2024, "LoFiT: Localized Fine-tuning on LLM Representations"):
/// learn a scaling vector A per attention head on the heads' outputs (the input of the
/// output projection `o`, [B, T, H*dh] = H heads of dh): z_h <- (1 + A_h) * z_h, A starting
/// at zero (the base model exactly), with the L1 penalty `l1 * sum |A|` added to the loss.
/// Everything else is frozen. A following stage's `lofit_bias(k: K)` chooses the K heads
/// whose trained ||A_h|| is largest (see examples/methods/wave1b-lofit.ftl).
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
/// heads only, z_h <- z_h + v_h, v starting at zero. The heads are either given, `heads:`
/// as [layer, head] pairs (layer = index among the modules matched by `targets`), or chosen
/// with `k: K` as the paper does: the K heads (over all layers together) whose step-1 scale
/// vectors A_h have the largest L2 norm, read with `value_of` from the weights the previous
/// stage of the same recipe trained (`scales` names that parameter in each module). Ties go
/// to the lower layer, then the lower head. Exactly K * dh parameters train. `merge` folds
/// the offsets into the bias of `o` (o(z + v) = o(z) + W_o v).
/// Written as `stage select { apply lofit_scale(...) }
/// stage tune { drop lofit_scale; apply lofit_bias(k: K) }`: stage 2 trains the offsets on
/// the base model without the scales (A = 0), as the paper does; `value_of` still reads the
/// scales from stage 1's weights. Without the `drop`, stage 2 keeps step 1 (a stage keeps
/// the methods of earlier stages): its scales act frozen, o((z + v) * (1 + A)).
method lofit_bias(heads: [[int]] = [], k: int = 0, scales: string = "lofit_a", targets: pattern = "blocks.*.attn") {
  freeze all
  let sites = modules(targets)
  let chosen = heads
  if k > 0 {
    let H = sites[0].heads
    require(len([m for m in sites if m.heads != H]) == 0, "lofit_bias(k:) needs the same number of heads in every targeted module")
    require(k <= len(sites) * H, "lofit_bias: `k` is more than the number of heads")
    // norms[l][h] = ||A_h|| of layer l: step 1's [H * dh] scale vector viewed as H rows of dh
    let norms = [group_norms(value_of(path_of(m) + "." + scales), H) for m in sites]
    let cands = [[int((i - i % H) / H), i % H] for i in range(len(sites) * H)]
    chosen = highest(cands, k, key: (p) => norms[p[0]][p[1]])
  }
  require(len(chosen) > 0, "lofit_bias needs `heads:` or `k:` (the number of heads to choose from the previous stage's scales)")
  for m, i in zip(sites, range(len(sites))) {
    let hs = [p[1] for p in chosen if p[0] == i]
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
