import std.nn.linear
import std.nn.embedding
import std.nn.layernorm
import std.models.gpt2

/// A small GPT-2-style transformer trained from scratch beside a large model: token and
/// position embeddings of width d, `layers` pre-norm blocks, a final LayerNorm and a linear
/// map to `d_out` features (the large model's width), initialised with std `out_std` (0: the
/// module starts as the zero function, as an adapter's up-projection does).
/// ids: (B, T) -> (B, T, d_out).
module small_transformer(vocab: int, ctx: int, d: int, heads: int, layers: int, d_out: int,
                         out_std: float = 0.02) {
  wte = embedding(vocab, d)
  wpe = embedding(ctx, d)
  blocks[layers] = gpt2_block(d, heads)
  ln_f = layernorm(d)
  out = linear(d, d_out, true, out_std)
  forward(ids: i32[B, T]) -> f32[B, T, d_out] {
    let x = wte(ids) + wpe(arange(ids.shape[1]))
    for b in blocks { x = b(x) }
    return out(ln_f(x))
  }
}
