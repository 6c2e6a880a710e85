import std.nn.bottleneck

/// Bottleneck adapters (Houlsby et al. 2019, serial form): after every module matched by
/// `targets` (default: each block's MLP) insert `adapter = bottleneck(d, size)` and add its
/// output residually: y = f(x) + adapter(f(x)). Only the adapters train.
method adapter(size: int = 16, targets: pattern = "blocks.*.mlp") {
  freeze all
  for m in modules(targets) {
    module m.adapter = bottleneck(m.d, size)
    wrap m(x) {
      let y = base(x)
      return y + m.adapter(y)
    }
  }
}
