loss l(model, batch) = 1 backward(g) = g
//                       ^^^^^^^^^^^^^^^ FTL0106
