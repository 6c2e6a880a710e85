import std.nn.linear
import std.nn.layernorm
import std.nn.mlp

// (std.nn.attention is not imported: its file name would shadow the `attention` builtin.)

/// [B, T, H*dh] -> [B, H, T, dh]
fn vit_heads(x, heads: int) {
  let s = x.shape
  return permute(reshape(x, [s[0], s[1], heads, s[2] / heads]), [0, 2, 1, 3])
}

/// [B, H, T, dh] -> [B, T, H*dh]
fn vit_unheads(x) {
  let s = x.shape
  return reshape(permute(x, [0, 2, 1, 3]), [s[0], s[2], s[1] * s[3]])
}

/// Bidirectional multi-head self-attention (no causal mask), projections q, k, v, o.
module vit_attention(d: int, heads: int) {
  q = linear(d, d)
  k = linear(d, d)
  v = linear(d, d)
  o = linear(d, d)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let a = attention(vit_heads(q(x), heads), vit_heads(k(x), heads), vit_heads(v(x), heads), causal: false)
    return o(vit_unheads(a))
  }
}

/// One pre-norm ViT encoder block: x + attn(ln_1(x)), then + mlp(ln_2(x)).
module vit_block(d: int, heads: int) {
  ln_1 = layernorm(d)
  attn = vit_attention(d, heads)
  ln_2 = layernorm(d)
  mlp = mlp(d, 4 * d)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let h = x + attn(ln_1(x))
    return h + mlp(ln_2(h))
  }
}

/// A small Vision Transformer (Dosovitskiy et al. 2021) for flat `image` x `image` x
/// `channels` inputs ([B, image * image * channels], row-major HWC): non-overlapping
/// `patch` x `patch` patches embedded by a linear `patch_embed`, a learned `cls` token and
/// position embeddings `pos`, `layers` blocks (`blocks.N`), a final LayerNorm and a linear
/// `head` on the class token.
model vit(classes: int, image: int = 8, channels: int = 3, patch: int = 4, d: int = 16, heads: int = 2, layers: int = 2) {
  patch_embed = linear(patch * patch * channels, d)
  param cls: f32[1, 1, d] init normal(std: 0.02)
  param pos: f32[1, (image / patch) * (image / patch) + 1, d] init normal(std: 0.02)
  blocks[layers] = vit_block(d, heads)
  ln_f = layernorm(d)
  head = linear(d, classes)
  forward(x: f32[B, D]) -> f32[B, classes] {
    let g = image / patch
    let p6 = reshape(x, [B, g, patch, g, patch, channels])                   // (B, gy, py, gx, px, C)
    let patches = reshape(permute(p6, [0, 1, 3, 2, 4, 5]), [B, g * g, patch * patch * channels])
    let tokens = concat([cls + zeros([B, 1, d]), patch_embed(patches)], axis: 1) + pos
    let h = tokens
    for b in blocks { h = b(h) }
    return head(ln_f(h)[:, 0, :])
  }
}
