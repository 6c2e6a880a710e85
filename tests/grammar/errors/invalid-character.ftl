fn f(x) = x $ 1
//          ^ FTL0103
//            ^ FTL0101
