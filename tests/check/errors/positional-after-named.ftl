fn add(a, b) = a + b
fn f() = add(a: 1, 2)
//                 ^ FTL0306
