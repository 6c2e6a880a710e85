module m(i: int, o: int) {
  param w: f32[o, i] init zeros
  forward(x: f32[B, i]) -> f32[B, o] = x @ w
//                                     ^^^^^ FTL0203
}
