fn f(a, a) = a
//      ^ FTL0202
