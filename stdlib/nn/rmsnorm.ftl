/// RMSNorm over the last axis (Llama): x / sqrt(mean(x^2) + eps) * weight.
module rmsnorm(d: int, eps: float = 1e-6) {
  param weight: f32[d] init ones
  forward(x: f32[..., d]) -> f32[..., d] = rms_norm(x, weight, eps: eps)
}
