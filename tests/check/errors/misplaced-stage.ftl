method m() {
  stage s { }
//^^^^^^^^^^^ FTL0210
}
