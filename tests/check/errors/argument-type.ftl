import std.optim.adamw
fn f() = adamw(lr: "fast")
//                 ^^^^^^ FTL0305
