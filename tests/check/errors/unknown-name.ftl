fn f(x) = exp(y)
//            ^ FTL0201
