import std.nn.cross_temporal_adapter
import std.nn.tracking_bias

/// SAMWISE-style adapters (Cuttano et al. 2025, "SAMWISE: Infusing Wisdom in SAM2 for
/// Text-Driven Video Segmentation"): the backbone stays frozen and, after every block
/// matched by `targets`, an adapter injects temporal context (the previous position) and a
/// text cue into the features, and a tracking-bias module (std.nn.tracking_bias, with
/// `tracking: true`) adds a learned low-rank map of (block input - result), gated per
/// position by how much better the block's input than the result matches the caption:
///   y = block(x) + adapter(block(x), c)
///   out = y + tracking(x, y, c),   c = mean of the first `caption` positions of x,
/// the first `caption` tokens playing the caption. SAM2 and its video memory are not in
/// ftl: this is the mechanism on the transformer, where positions stand in for frames and a
/// block's attention over earlier positions for SAM2's memory attention (its input x has not
/// read that memory, its output has): the paper's module decides what is written to SAM2's
/// memory bank from two mask predictions; here it corrects the features themselves. Both
/// modules' output projections start at zero, so the frozen model's outputs are reproduced
/// at the start. Only the adapters and tracking modules train.
method samwise(size: int = 8, caption: int = 4, tracking: bool = true, targets: pattern = "blocks.*") {
  freeze all
  for m in modules(targets) {
    module m.samwise_adapter = cross_temporal_adapter(m.d, size)
    if tracking {
      module m.samwise_tracking = tracking_bias(m.d, size)
    }
    wrap m(x) {
      let y = base(x)                                             // (B, T, d)
      let c = mean(x[:, :caption], axis: 1, keepdim: true)          // (B, 1, d)
      let z = y + m.samwise_adapter(y, c)
      if tracking {
        return z + m.samwise_tracking(x, z, c)
      }
      return z
    }
  }
}
