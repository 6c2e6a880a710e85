import std.nn.linear
model m() {
  l = linear.bogus(1)
//           ^^^^^ FTL0213
}
