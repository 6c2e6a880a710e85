method m() -> int { freeze all }
//            ^^^ FTL0106
