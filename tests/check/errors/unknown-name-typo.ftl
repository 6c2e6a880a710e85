fn f(hidden_size: int) = hiden_size * 2
//                       ^^^^^^^^^^ FTL0201
