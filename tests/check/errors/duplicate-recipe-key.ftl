recipe r {
  model = m
  model = m
//^^^^^ FTL0215
}
fn m() = 1
