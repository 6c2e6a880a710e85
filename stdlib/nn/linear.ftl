/// Affine map y = x W^T + b in PyTorch's nn.Linear layout (weight [out, in]).
/// `bias: false` drops the bias parameter. Init: weight ~ N(0, std^2), bias = 0.
module linear(in: int, out: int, bias: bool = true, std: float = 0.02) {
  param weight: f32[out, in] init normal(std: std)
  param bias:   f32[out]     init zeros if bias
  forward(x: f32[..., in]) -> f32[..., out] = x @ weight^T + bias
}
