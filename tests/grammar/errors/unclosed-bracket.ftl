fn f(x) = [1, 2
//        ^ FTL0102
