fn f(x) = sofmax(x)
//        ^^^^^^ FTL0201
