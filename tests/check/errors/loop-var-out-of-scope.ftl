fn f(xs) {
  for x in xs { let y = x }
  return x
//       ^ FTL0201
}
