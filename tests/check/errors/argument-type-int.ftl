module m(d: int) {
  param w: f32[d] init zeros
}
module n() {
  a = m("big")
//      ^^^^^ FTL0305
}
