import std.nn.linear
module m(d: int) {
  up = linear(d, 4 * d)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let h = up(x)
    return up(h)
//            ^ FTL0203
  }
}
