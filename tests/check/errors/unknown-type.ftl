fn f(x: flaot) = x
//      ^^^^^ FTL0207
