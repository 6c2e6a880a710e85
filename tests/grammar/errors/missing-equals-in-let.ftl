fn f() {
  let x 3
//      ^ FTL0101
  return x
}
