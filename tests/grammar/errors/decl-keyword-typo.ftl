recpie r { }
//! FTL0101 line 1 col 1 len 6
