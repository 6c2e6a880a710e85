import std.models.gpt2
recipe r {
  model = gpt2.lod("x")
//             ^^^ FTL0213
}
