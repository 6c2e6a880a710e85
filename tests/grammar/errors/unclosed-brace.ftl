recipe r {
//       ^ FTL0102
  model = m
