fn f() = 1
/* never closed
//! FTL0105 line 2 col 1 len 2
