fn f(n: int = "three") = n
//            ^^^^^^^ FTL0206
