fn add(a, b) = a + b
fn f() = add(1, 2, 3)
//                 ^ FTL0301
