fn f(x) = exp(x, 2)
//               ^ FTL0301
