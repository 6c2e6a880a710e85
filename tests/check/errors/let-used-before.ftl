fn f() {
  let a = b
//        ^ FTL0201
  let b = 1
  return a
}
