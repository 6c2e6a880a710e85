method m() {
  unfreeze "blocks..bias"
//         ^^^^^^^^^^^^^^ FTL0208
}
