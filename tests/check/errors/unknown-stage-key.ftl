recipe r {
  model = m
  stage s { dat = 1 }
//          ^^^ FTL0209
}
fn m() = 1
