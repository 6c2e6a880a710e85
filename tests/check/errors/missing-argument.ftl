fn add(a, b) = a + b
fn f() = add(1)
//       ^^^^^^ FTL0303
