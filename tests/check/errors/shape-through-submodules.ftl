import std.nn.linear
import std.nn.embedding
module m(d: int, v: int) {
  emb = embedding(v, d)
  down = linear(d, v)
  forward(tokens: i32[B, T], bias: f32[B, T, d]) -> f32[B, T, v] = down(emb(tokens)) + bias
//                                                                 ^^^^^^^^^^^^^^^^^^^^^^^^ FTL0203
}
