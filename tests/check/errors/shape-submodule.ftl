module lin(i: int, o: int) {
  param w: f32[o, i] init zeros
  forward(x: f32[..., i]) -> f32[..., o] = x @ w^T
}
module pair(d: int) {
  a = lin(d, 4)
  forward(x: f32[B, d]) -> f32[B, d] = a(x) + x
//                                     ^^^^^^^^ FTL0203
}
