fn f(x) {
  let g = (a, b) => a * b
  return g(x)
//       ^^^^ FTL0303
}
