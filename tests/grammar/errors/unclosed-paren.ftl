fn f(x) = exp(x
//           ^ FTL0102
fn g(y) = y
//! FTL0101 line 3 col 1 len 2
