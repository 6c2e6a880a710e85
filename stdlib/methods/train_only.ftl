/// Train only the parameters matching `pattern`; everything else is frozen (bit-identical
/// after training). The stage-wise trainable sets of multi-stage recipes use it, e.g.
/// InfMLLM's stage 1 (`train_only("pool.**")`: only the pool-adapter learns, for alignment).
method train_only(pattern: pattern) {
  freeze all
  unfreeze pattern
}
