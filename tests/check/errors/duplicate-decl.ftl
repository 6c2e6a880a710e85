fn f() = 1
fn f() = 2
// ^ FTL0202
