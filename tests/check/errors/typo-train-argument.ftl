recipe r {
  model = m
  train(step: 10)
//      ^^^^ FTL0302
}
fn m() = 1
