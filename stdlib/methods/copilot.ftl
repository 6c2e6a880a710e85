/// The Copilot's training signal (Transformer Copilot's "mistake log" target): per position,
/// one_hot(next token) - softmax(pilot logits), detached. pilot: (B, T-1, V), next: (B, T-1).
fn mistake_log(pilot, next) = detach(one_hot(next, pilot.shape[2]) - softmax(pilot))

/// Pilot-Copilot objective: the pilot's next-token cross-entropy on its own logits (tap
/// "copilot.pilot") plus `weight` times the Copilot's mean squared error to the mistake log
/// (tap "copilot.corr"), over the positions the loss mask keeps. Only the Copilot sees the
/// second term (its input is detached), so the pilot's gradients are those of plain SFT.
fn copilot_objective(model, batch, weight: float) {
  let fused = model(batch.tokens)
  let pilot = last(taps("copilot.pilot"), 1)[0][:, :-1] // (B, T-1, V)
  let corr = last(taps("copilot.corr"), 1)[0][:, :-1] // (B, T-1, V)
  let next = batch.tokens[:, 1:]
  let mask = batch.loss_mask[:, 1:] // (B, T-1)
  let err = sum((corr - mistake_log(pilot, next)) ^ 2, axis: -1) // (B, T-1)
  return cross_entropy(pilot, next, mask: mask) + weight * sum(err * mask) / (sum(mask) * pilot.shape[2])
}

/// Transformer Copilot (Zou et al. 2025, "Transformer Copilot: Learning from The Mistake Log
/// in LLM Fine-tuning"): a Copilot network trained beside the Pilot (the recipe's model) on
/// the Pilot's mistake log and fused into its logits. The Copilot reads the Pilot's detached
/// final hidden state (tap after the `final` module) and outputs a correction
/// c = relu(h W_1^T) W_2^T over the vocabulary (W_2 starts at zero); the model's output is
/// pilot_logits + lambda * c. Training replaces the loss by the pilot's causal-LM
/// cross-entropy plus `weight` * mse(c, one_hot - softmax(pilot_logits)) (`copilot_objective`),
/// so the Pilot learns exactly as in plain SFT and the Copilot learns to predict its errors.
/// The Pilot's trainable set is left as the recipe/earlier methods set it (apply LoRA before
/// this to tune the Pilot with LoRA). The paper's Copilot is a transformer decoder reading
/// the Pilot's hidden states of all layers; here it is an MLP on the last hidden state
/// (stated simplification). `lambda: 0` gives the Pilot alone.
method copilot(width: int = 32, lambda: float = 1.0, weight: float = 1.0, final: pattern = "ln_f") {
  let f = modules(final)[0]
  let d = f.weight.shape[0]
  wrap f(x) = tap("copilot.h", base(x))
  param model.copilot_in: f32[width, d] init normal(std: 0.02) trainable
  param model.copilot_out: f32[model.wte.weight.shape[0], width] init zeros trainable
  wrap model(tokens) {
    let pilot = tap("copilot.pilot", base(tokens)) // (B, T, V)
    let h = detach(last(taps("copilot.h"), 1)[0]) // (B, T, d)
    let c = tap("copilot.corr", relu(h @ model.copilot_in^T) @ model.copilot_out^T)
    return pilot + lambda * c
  }
  loss = (mm, bb) => copilot_objective(mm, bb, weight)
}
