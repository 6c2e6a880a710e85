/// LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias (biased variance).
module layernorm(d: int, eps: float = 1e-5) {
  param weight: f32[d] init ones
  param bias:   f32[d] init zeros
  forward(x: f32[..., d]) -> f32[..., d] = layer_norm(x, weight, bias, eps: eps)
}
