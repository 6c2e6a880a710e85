method m() {
  unfreeze "a.b" rowz(0 .. 1)
//               ^^^^ FTL0107
}
