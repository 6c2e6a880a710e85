import std.nn.cross_temporal_adapter

/// SAMWISE-style adapters (Cuttano et al. 2025, "SAMWISE: Infusing Wisdom in SAM2 for
/// Text-Driven Video Segmentation"): the backbone stays frozen and, after every block
/// matched by `targets`, an adapter injects temporal context (the previous position) and a
/// text cue into the features:
///   y = block(x) + adapter(block(x), c),   c = mean of the first `caption` positions of x,
/// the first `caption` tokens playing the caption. The adapter's output projection starts at
/// zero, so the frozen model's outputs are reproduced at the start. SAM2 and its video
/// memory are not in ftl: this is the adapter mechanism on the transformer, where
/// positions stand in for frames; the paper's tracking-bias correction module is not
/// included. Only the adapters train.
method samwise(size: int = 8, caption: int = 4, targets: pattern = "blocks.*") {
  freeze all
  for m in modules(targets) {
    module m.samwise_adapter = cross_temporal_adapter(m.d, size)
    wrap m(x) {
      let y = base(x)                                             // (B, T, d)
      let c = mean(x[:, :caption], axis: 1, keepdim: true)          // (B, 1, d)
      return y + m.samwise_adapter(y, c)
    }
  }
}
