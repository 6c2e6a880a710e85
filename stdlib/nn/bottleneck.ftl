import std.nn.linear

/// Bottleneck adapter (Houlsby et al. 2019): up(act(down(x))) with a `size`-wide hidden
/// layer; `up` starts at zero so the adapter starts as the zero function.
module bottleneck(d: int, size: int) {
  down = linear(d, size, true, 0.02)
  up = linear(size, d, true, 0.0)
  forward(x: f32[..., d]) -> f32[..., d] = up(relu(down(x)))
}
