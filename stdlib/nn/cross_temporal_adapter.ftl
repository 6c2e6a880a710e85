import std.nn.linear

/// Bottleneck adapter that mixes in the previous position ("temporal" context) and a
/// conditioning vector: up(gelu(down(x_t) + prev(x_{t-1}) + cond(c))), with x_{-1} = 0 and
/// c (B, 1, d) broadcast over positions. `up` starts at zero, so the adapter starts as the
/// zero function. x: (B, T, d) -> (B, T, d).
module cross_temporal_adapter(d: int, size: int) {
  down = linear(d, size, true, 0.02)
  prev = linear(d, size, false, 0.02)
  cond = linear(d, size, false, 0.02)
  up = linear(size, d, true, 0.0)
  forward(x: f32[B, T, d], c: f32[B, 1, d]) -> f32[B, T, d] {
    let shifted = concat([zeros([x.shape[0], 1, d]), x[:, :-1]], axis: 1)   // x_{t-1}
    return up(gelu(down(x) + prev(shifted) + cond(c)))
  }
}
