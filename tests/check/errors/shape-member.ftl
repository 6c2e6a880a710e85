import std.nn.embedding
module head(v: int, d: int) {
  wte = embedding(v, d)
  forward(x: f32[B, T, d]) -> f32[B, T, v] = x @ wte.weight
//                                           ^^^^^^^^^^^^^^ FTL0203
}
