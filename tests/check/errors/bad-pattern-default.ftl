method m(t: pattern = "a.***") { freeze all }
//                    ^^^^^^^ FTL0208
