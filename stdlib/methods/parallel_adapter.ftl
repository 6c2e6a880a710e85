import std.nn.bottleneck
import std.methods.prefix_tuning

/// Parallel adapter (He et al. 2022, "Towards a Unified View of Parameter-Efficient
/// Transfer Learning", section 3): a bottleneck that reads the *input* of each matched
/// sublayer and adds its scaled output beside it, h <- f(x) + scale * up(relu(down(x))),
/// instead of after it (Houlsby's sequential adapter, `adapter`). `up` starts at zero, so
/// the model starts as the base model exactly. Only the adapters train. Not mergeable
/// (the adapter is nonlinear).
method parallel_adapter(size: int = 16, scale: float = 4.0, targets: pattern = "blocks.*.mlp") {
  freeze all
  for m in modules(targets) {
    module m.adapter = bottleneck(m.d, size)
    wrap m(x) = base(x) + scale * m.adapter(x)
  }
}

/// Mix-and-Match adapter (MAM, He et al. 2022): the unified view's best combination, written
/// as a composition: `prefix_tuning` (`prefix` key/value vectors per head) on every attention
/// layer matched by `attn`, then a scaled parallel adapter (bottleneck `size`, scale `scale`)
/// on every FFN matched by `ffn`. The adapter's `freeze all` also froze the prefixes, so they
/// are unfrozen again: only prefixes and adapters train.
method mam_adapter(
  prefix: int = 4,
  size: int = 16,
  scale: float = 4.0,
  init_std: float = 0.02,
  attn: pattern = "blocks.*.attn",
  ffn: pattern = "blocks.*.mlp"
) {
  apply prefix_tuning(length: prefix, init_std: init_std, targets: attn)
  apply parallel_adapter(size: size, scale: scale, targets: ffn)
  for m: causal_self_attention in modules(attn) { unfreeze m["prefix_{k,v}"] }
}
