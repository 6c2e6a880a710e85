/// IA3 (Liu et al. 2022): learned per-channel scaling of the outputs of the matched linear
/// layers (default: attention keys/values and the MLP's first layer), initialised to one;
/// only the scales train. `merge` folds the scales into weight (and bias) rows.
method ia3(targets: pattern = "blocks.*.{attn.k,attn.v,mlp.fc}") {
  freeze all
  for m: linear in modules(targets) {
    param m.ia3_scale: f32[m.out] init ones trainable
    wrap m(x) = base(x) * m.ia3_scale
    merge m.weight = m.weight * reshape(m.ia3_scale, [m.out, 1])
    if has_param(m, "bias") { merge m.bias = m.bias * m.ia3_scale }
  }
}
