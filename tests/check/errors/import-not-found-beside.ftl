import helpers_that_do_not_exist
//! FTL0216 line 1 col 1 len 32
