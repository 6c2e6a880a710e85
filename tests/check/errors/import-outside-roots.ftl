import std
//! FTL0212 line 1 col 1 len 10
