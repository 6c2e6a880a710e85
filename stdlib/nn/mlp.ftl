import std.nn.linear

/// Transformer MLP: proj(gelu(fc(x))), hidden width `hidden` (GPT-2: 4 d).
module mlp(d: int, hidden: int, bias: bool = true) {
  fc = linear(d, hidden, bias)
  proj = linear(hidden, d, bias)
  forward(x: f32[..., d]) -> f32[..., d] = proj(gelu(fc(x)))
}

/// SwiGLU MLP (Llama): down_proj(silu(gate_proj(x)) * up_proj(x)), no biases.
module swiglu(d: int, hidden: int) {
  gate_proj = linear(d, hidden, false)
  up_proj = linear(d, hidden, false)
  down_proj = linear(hidden, d, false)
  forward(x: f32[..., d]) -> f32[..., d] = down_proj(silu(gate_proj(x)) * up_proj(x))
}
