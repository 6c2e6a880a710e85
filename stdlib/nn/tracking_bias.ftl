import std.nn.linear

/// Tracking-bias correction, a sequence-model analogue of SAMWISE's learnable module (Cuttano
/// et al. 2025) that lets SAM2 switch from the object it has been tracking (its memory) to a
/// new object when the current frame's own features match the caption better. Inputs, each
/// at every position t: u (B, T, d) features that have not read the memory (in samwise.ftl:
/// a block's input, before its attention reads earlier positions), y (B, T, d) features that
/// have (the block's output), c (B, 1, d) the caption. With s = size:
///   q = text(c),  a_u = <q, key(u_t)> / sqrt(s),  a_y = <q, key(y_t)> / sqrt(s)      (B, T, 1)
///   g_t = sigmoid(w * (a_u - a_y) + b)         how much more u_t than y_t matches the text
///   out_t = g_t * up(down(u_t - y_t))          a learned low-rank map of the difference (B, T, d)
/// so what is added to y_t depends on how u_t differs from it, and is let through in
/// proportion to how much better u_t than y_t matches the caption (w, b learned).
/// w starts at 1 and b at 0; `up` starts at zero, so the module starts as the zero function
/// (added to y, the model is unchanged at step 0). text, key, down: d -> s without bias;
/// up: s -> d with bias; 4 d s + d + 2 parameters.
module tracking_bias(d: int, size: int) {
  text = linear(d, size, false, 0.02)
  key = linear(d, size, false, 0.02)
  down = linear(d, size, false, 0.02)
  up = linear(size, d, true, 0.0)
  param w: f32[1] init ones
  param b: f32[1] init zeros
  forward(u: f32[B, T, d], y: f32[B, T, d], c: f32[B, 1, d]) -> f32[B, T, d] {
    let q = text(c)                                                   // (B, 1, s)
    let au = sum(q * key(u), axis: -1, keepdim: true) / sqrt(size)    // (B, T, 1)
    let ay = sum(q * key(y), axis: -1, keepdim: true) / sqrt(size)    // (B, T, 1)
    let g = sigmoid(w * (au - ay) + b)                                // (B, T, 1)
    return g * up(down(u - y))
  }
}
