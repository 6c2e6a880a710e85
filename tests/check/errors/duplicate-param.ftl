module m(d: int) {
  param w: f32[d] init zeros
  param w: f32[d] init zeros
//      ^ FTL0202
}
