import std.nn.linear
import std.nn.embedding
import std.nn.layernorm
import std.nn.attention
import std.nn.mlp

/// One GPT-2 block (pre-norm): x + attn(ln_1(x)), then + mlp(ln_2(x)).
module gpt2_block(d: int, heads: int, eps: float = 1e-5) {
  ln_1 = layernorm(d, eps)
  attn = causal_self_attention(d, heads)
  ln_2 = layernorm(d, eps)
  mlp = mlp(d, 4 * d)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let h = x + attn(ln_1(x))
    return h + mlp(ln_2(h))
  }
}

/// GPT-2: token + learned position embeddings, `layers` pre-norm blocks, final LayerNorm,
/// output head tied to the token embedding. Parameter names: wte, wpe, blocks.N.{ln_1,
/// attn.{q,k,v,o}, ln_2, mlp.{fc,proj}}, ln_f.
model gpt2(vocab: int, ctx: int, d: int, heads: int, layers: int, eps: float = 1e-5) {
  wte = embedding(vocab, d)
  wpe = embedding(ctx, d)
  blocks[layers] = gpt2_block(d, heads, eps)
  ln_f = layernorm(d, eps)
  forward(tokens: i32[B, T]) -> f32[B, T, vocab] {
    let x = wte(tokens) + wpe(positions(T))
    for b in blocks { x = b(x) }
    return ln_f(x) @ wte.weight^T
  }
}
