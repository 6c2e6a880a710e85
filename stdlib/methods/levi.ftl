import std.nn.bottleneck
import std.nn.small_transformer

/// LEVI (Roh et al. 2024, "LEVI: Generalizable Fine-tuning via Layer-wise Ensemble of
/// Different Views"): the frozen pretrained model and a small model trained from scratch
/// on the task are ensembled layer-wise. Every block matched by `views` (a pretrained
/// "view") feeds a trainable bottleneck adapter of width `adapter`; a small transformer
/// (`small_d`, `small_layers`, `small_heads`) reads the tokens (the task-specific view).
/// Before the output head (`head`, GPT-2's final LayerNorm, whose output the tied head
/// reads) the views are combined with trainable weights w:
///   h = head(x) + sum_l w_l adapter_l(h_l) + w_small small(tokens).
/// Every view starts as the zero function (the adapters' and the small model's last linear
/// start at zero) and every w_l at 1 / (n + 1), so training starts from the frozen model
/// exactly and every view gets a gradient from the first step (with w = 0 and a zero
/// adapter both would stay at zero). The head is linear, so this is the ensemble of the
/// per-view predictions through the shared frozen output embedding (the paper's per-view
/// heads share it here). Only the adapters, the small model and w train. The embedding
/// module `embed` records the tokens.
method levi(small_d: int = 16, small_layers: int = 1, small_heads: int = 2, adapter: int = 8,
            ctx: int = 1024, views: pattern = "blocks.*", embed: pattern = "wte", head: pattern = "ln_f") {
  freeze all
  let newest = (xs) => xs[len(xs) - 1]
  for e in modules(embed) {
    module e.levi_small = small_transformer(e.n, ctx, small_d, small_heads, small_layers, e.d, out_std: 0.0)
    wrap e(ids) {
      tap("levi.small", e.levi_small(ids))                      // (B, T, d)
      return base(ids)
    }
  }
  let sites = modules(views)
  let n = len(sites)
  for m in sites {
    module m.levi_adapter = bottleneck(m.d, adapter)
    wrap m(x) {
      let y = base(x)
      tap("levi.view", m.levi_adapter(y))                        // (B, T, d)
      return y
    }
  }
  for h in modules(head) {
    param h.levi_weights: f32[n + 1] init constant(1.0 / (n + 1)) trainable
    wrap h(x) {
      let vs = last(taps("levi.view"), n)
      let mix = sum([h.levi_weights[i] * vs[i] for i in range(n)])
      return base(x) + mix + h.levi_weights[n] * newest(taps("levi.small"))
    }
  }
}
