recipe r {
  model = m
  data = text("a.txt") |> chunks(sequence: 128) |> batch(8)
//                               ^^^^^^^^ FTL0302
}
fn m() = 1
