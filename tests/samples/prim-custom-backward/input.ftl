// Custom backward rules: a straight-through estimator for rounding, and a gradient
// reversal layer.

/// Rounds in the forward pass; passes the gradient through unchanged.
fn round_ste(x: f32[..., D]) -> f32[..., D] = round(x)
  backward(g) = g

/// Identity forward; multiplies the gradient by -lambda (domain-adversarial training).
fn grad_reverse(x, lambda: float = 1.0) = x
  backward(g) = [-lambda * g, 0]

module quantized_linear(in: int, out: int, scale: float = 0.05) {
  param weight: f32[out, in] init normal(std: 0.02)
  forward(x: f32[B, in]) -> f32[B, out] = x @ (round_ste(weight / scale) * scale)^T
}
