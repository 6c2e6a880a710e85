/// MobileTL (Chiang et al. 2023, "MobileTL: On-device Transfer Learning with Inverted
/// Residual Blocks"), its trainable-set part: only the top `blocks` blocks train (no
/// backward below them), and inside them every weight except the normalisation scales
/// matched by `norm_scales` — the norms train their shifts only, so their input
/// activations need not be kept for a scale gradient. Works on the transformer stdlib
/// models (blocks = `model.blocks`, norms = layernorms) and on `mobilenet_v2` (norms
/// `norm_*.weight`). The paper's step-function backward for the activations is a model
/// option: `mobilenet_v2(..., act: "hard_swish" or "relu6", approx_backward: true)` gives
/// every Hard-Swish/ReLU6 a custom backward that is a 0/1 step of the input read from the
/// activation's output (stdlib/nn/mobiletl_act.ftl), so no pre-activation tensor is kept
/// for it. A bool temporary is stored 1 bit per element on WebGPU where its kernel writes
/// whole words (compiler/codegen/bool-layout.ts), and a small value read only by the
/// backward is saved right after its source (compiler/optimize/save-early.ts); the compile
/// report shows the planned bytes of both variants.
method mobiletl(blocks: int = 2, norm_scales: pattern = "ln_*.weight") {
  freeze all
  for b in last(model.blocks, blocks) {
    unfreeze b
    freeze b[norm_scales]
  }
}
