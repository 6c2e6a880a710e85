import std.models.gpt2

/// Control LLM (Wei et al. 2025, "Control LLM: Controlled Evolution for Intelligence
/// Retention in LLM"): every block matched by `targets` is expanded into the frozen
/// pretrained block and a trainable copy `m.expanded` (initialised as an exact copy,
/// `copy_params`), run in parallel on the same input, their hidden states interpolated:
///   h = alpha * block_pre(x) + (1 - alpha) * block_exp(x).
/// Right after expansion h = block(x) for any alpha. `divergence > 0` adds
/// divergence * mean over expanded blocks of mse(h_pre, h_exp) to the loss, which keeps the
/// copies near the originals (the paper's divergence-loss option; its dynamic-interpolation
/// variants are not included). The original model is frozen; only the copies train.
/// Written for GPT-2 blocks (`gpt2_block`); the paper expands Llama layers.
method control_llm(alpha: float = 0.5, divergence: float = 0.0, targets: pattern = "blocks.*") {
  freeze all
  let n = 0
  for m: gpt2_block in modules(targets) {
    module m.expanded = gpt2_block(m.d, m.heads, m.eps)
    copy_params(m.expanded, m)
    n = n + 1
    wrap m(x) {
      let h_pre = base(x)
      let h_exp = m.expanded(x)
      tap("control_llm.pre", h_pre)
      tap("control_llm.exp", h_exp)
      return alpha * h_pre + (1 - alpha) * h_exp
    }
  }
  if divergence > 0 {
    let l = loss
    loss = (mm, bb) => l(mm, bb) + divergence * sum([mse(p, e) for p, e in
             zip(last(taps("control_llm.pre"), n), last(taps("control_llm.exp"), n))]) / n
  }
}
