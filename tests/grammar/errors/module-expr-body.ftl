module m(d: int) = d
//                 ^ FTL0106
