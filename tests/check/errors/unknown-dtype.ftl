fn f(x: f23[B]) = x
//      ^^^ FTL0207
