import std.methods.lora
recipe r {
  model = m
  apply lora(rr: 8)
//           ^^ FTL0302
}
fn m() = 1
