fn f() = "abc
//       ^ FTL0104
