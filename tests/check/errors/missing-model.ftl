recipe r {
//     ^ FTL0211
  train(steps: 1)
}
