fn f(x) = x[]
//         ^^ FTL0106
fn g(x) = x[:, ]
//         ^^^^^ FTL0106
