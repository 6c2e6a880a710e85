loss l(model, batch) = 1 +
//! FTL0101 eof
