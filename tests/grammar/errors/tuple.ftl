fn f(a, b) = (a, b)
//           ^^^^^^ FTL0106
