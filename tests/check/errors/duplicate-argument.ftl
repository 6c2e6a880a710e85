fn add(a, b) = a + b
fn f() = add(1, a: 2)
//              ^ FTL0304
