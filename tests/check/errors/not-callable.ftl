fn f(n: int) {
  let k = 3
  return n(1) + k(2) + 4(5)
//       ^ FTL0307
//              ^ FTL0307
//                     ^ FTL0307
}
