fn f() {
  let = 3
//    ^ FTL0101
  return 1
}
