recipe r {
  model = m
  optimizer = 1
//^^^^^^^^^ FTL0209
}
fn m() = 1
