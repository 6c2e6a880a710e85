import std.nn.embedding
import std.nn.layernorm

module linear(in: int, out: int, bias: bool = true) {
  param weight: f32[out, in] init normal(std: 0.02)
  param bias:   f32[out]     init zeros  if bias
  forward(x: f32[..., in]) -> f32[..., out] = x @ weight^T + bias
}

model gpt2(vocab: int, ctx: int, d: int, heads: int, layers: int, eps: float = 1e-5) {
  wte = embedding(vocab, d)
  wpe = embedding(ctx, d)
  blocks[layers] = block(d, heads, eps)
  ln_f = layernorm(d, eps)
  forward(tokens: i32[B, T]) -> f32[B, T, vocab] {
    let x = wte(tokens) + wpe(arange(T))
    for b in blocks { x = b(x) }
    return ln_f(x) @ wte.weight^T                      // tied output head
  }
}

/// A stand-in block so the example is complete (the stdlib one is `gpt2_block`).
module block(d: int, heads: int, eps: float = 1e-5) {
  ln = layernorm(d, eps)
  forward(x: f32[B, T, d]) -> f32[B, T, d] = x + ln(x)
}
