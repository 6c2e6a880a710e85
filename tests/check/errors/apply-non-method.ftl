import std.losses.causal_lm
recipe r {
  model = m
  apply causal_lm
//      ^^^^^^^^^ FTL0206
}
fn m() = 1
