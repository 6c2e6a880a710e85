fn f(q: f32[B, H, T, E], k: f32[B, H, T, F]) {
  let kt = k^T
  let s = q @ kt
//        ^^^^^^ FTL0203
  return s
}
