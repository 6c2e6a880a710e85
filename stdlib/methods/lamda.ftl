/// LaMDA (Azizi et al. 2024, "LaMDA: Large Model Fine-Tuning via Spectrally Decomposed
/// Low-Dimensional Adaptation"): on every `linear` matched by `targets` a low-dimensional path
///   y = W x + scale * B S A x,   A = V_r^T [r, in] (PMA, frozen), S [r, r] (trainable),
///   B = U_r [out, r] (PMB, trainable, then frozen by `lamda_freeze_b`),
/// with U_r, V_r the top-r singular vectors of the pretrained W, computed on the host at
/// compile time (`svd_init`). S starts at zero, so training starts at the base model, and
/// the trainable state lives in r x r. The paper freezes PMB gradually early in training;
/// here it is frozen at a stage boundary: `stage rest { apply lamda_freeze_b; ... }`.
/// `merge` adds scale * B S A to the weight. (LaMDA++'s per-layer ranks from the normalised
/// spectrum are not included: `spectrum(m.weight)` gives the values to allocate from.)
method lamda(r: int = 4, scale: float = 1.0, targets: pattern = "blocks.*.attn.{q,v}") {
  freeze all
  for m: linear in modules(targets) {
    param m.lamda_a: f32[r, m.in]  init svd_init(m.weight, r: r, part: "vt") frozen
    param m.lamda_s: f32[r, r]     init zeros trainable
    param m.lamda_b: f32[m.out, r] init svd_init(m.weight, r: r, part: "u") trainable
    wrap m(x) = base(x) + scale * (x @ m.lamda_a^T @ m.lamda_s^T @ m.lamda_b^T)
    merge m.weight += scale * (m.lamda_b @ m.lamda_s @ m.lamda_a)
  }
}

/// LaMDA's PMB freezing: after this, only the r x r cores S train.
method lamda_freeze_b() {
  freeze "**.lamda_b"
}
