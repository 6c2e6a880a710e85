fn f(a: f32[B, T, D], b: f32[B, D]) = a + b
//                                    ^^^^^ FTL0203
