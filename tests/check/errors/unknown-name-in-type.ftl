module m(d: int) {
  param w: f32[d, dd] init zeros
//                ^^ FTL0201
}
