import std.methods.lora
fn f() = lora(targets: "blocks.*.attn.{q,v")
//                     ^^^^^^^^^^^^^^^^^^^^ FTL0208
