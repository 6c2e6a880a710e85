fn f(xs) = map(xs, (a + 1) => a)
//                  ^^^^^ FTL0106
