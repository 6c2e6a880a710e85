method m() {
  param w: f32[4] init zeros
//      ^ FTL0106
}
