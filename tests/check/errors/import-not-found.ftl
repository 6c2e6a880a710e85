import std.methods.lorra
//! FTL0216 line 1 col 1 len 24
