// Hidden-state taps: a representation-alignment auxiliary loss on a middle block's output.
import std.losses.causal_lm

/// Cosine alignment of block 6's hidden state with a teacher's, plus the LM loss.
loss aligned_lm(model, batch, teacher, layer: pattern = "blocks.6", weight: float = 0.1) {
  let h = hidden(model, batch.tokens, at: layer)             // [B, T, D]
  let t = detach(hidden(teacher, batch.tokens, at: layer))   // [B, T, D]
  let cos = sum(h * t, axis: -1) / (norm(h, axis: -1) * norm(t, axis: -1) + 1e-6)
  return causal_lm(model, batch) + weight * mean(1 - cos)
}
