/// MobileTL (Chiang et al. 2023, "MobileTL: On-device Transfer Learning with Inverted
/// Residual Blocks"), its trainable-set part: only the top `blocks` blocks train (no
/// backward below them), and inside them every weight except the normalisation scales
/// matched by `norm_scales` — the norms train their shifts only, so their input
/// activations need not be kept for a scale gradient. Implemented on the transformer
/// stdlib models (blocks = `model.blocks`, norms = layernorms); the paper's step-function
/// backward for Hard-Swish/ReLU6 with 1-bit saved masks is not built (docs/methods.md).
method mobiletl(blocks: int = 2, norm_scales: pattern = "ln_*.weight") {
  freeze all
  for b in last(model.blocks, blocks) {
    unfreeze b
    freeze b[norm_scales]
  }
}
