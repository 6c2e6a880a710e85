/// BitFit (Ben Zaken et al. 2022): freeze everything except the bias terms.
method bitfit() {
  freeze all
  unfreeze "**.bias"
}
