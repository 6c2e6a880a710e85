// Module insertion: a bottleneck adapter after every MLP (Houlsby-style), zero-initialised
// up-projection so training starts from the base model.
import std.nn.linear

module bottleneck(d: int, r: int = 16) {
  down = linear(d, r)
  up = linear(r, d)
  forward(x: f32[B, T, d]) -> f32[B, T, d] = up(gelu(down(x)))
}

/// Houlsby adapter: x + up(gelu(down(x))) after each matched module; only adapters train.
method adapter(r: int = 16, targets: pattern = "blocks.*.mlp") {
  freeze all
  for m in modules(targets) {
    module m.adapter = bottleneck(m.d, r)
    wrap m(x) = base(x) + m.adapter(base(x))
    unfreeze m["adapter.**"]
  }
}
