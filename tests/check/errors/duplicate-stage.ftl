recipe r {
  model = m
  stage a { train(steps: 1) }
  stage a { train(steps: 1) }
//      ^ FTL0202
}
fn m() = 1
