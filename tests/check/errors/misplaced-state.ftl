fn f() {
  state s = 0
//^^^^^^^^^^^ FTL0210
  return 1
}
