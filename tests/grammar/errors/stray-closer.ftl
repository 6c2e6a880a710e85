fn f(x) = x)
//         ^ FTL0101
