module lin(d: int) {
  param w: f32[d, d] init zeros
  forward(x: f32[B, d]) -> f32[B, d] = x @ w
}
module two(d: int) {
  l = lin(d)
  forward(x: f32[B, d]) -> f32[B, d] = l(x, x)
//                                          ^ FTL0301
}
