recipe r(x: int) { model = x }
//      ^^^^^^^^ FTL0106
