import std.nn.conv2d

/// im2col patches of x [B, H, W, cin] for a k x k convolution (stride, pad as in conv2d):
/// [B, Ho, Wo, k*k*cin], tap-major (i, then j, then channel), the column order of conv2d's
/// weight [cout, k, k, cin] reshaped to [cout, k*k*cin].
fn conv_patches(x, k: int, stride: int, pad: int) {
  let h = x.shape[1]
  let w = x.shape[2]
  let xp = pad_hw(x, pad, tap_extra(h, k, stride, pad))
  let ho = out_size(h, k, stride, pad)
  let wo = out_size(w, k, stride, pad)
  let cols = conv_tap(xp, 0, 0, ho, wo, stride)
  for i in range(k) {
    for j in range(k) {
      if i + j > 0 {
        cols = concat([cols, conv_tap(xp, i, j, ho, wo, stride)], axis: 3)
      }
    }
  }
  return cols
}

/// Low-rank convolution branch without bias: the convolution of x [B, H, W, cin] with the
/// kernel reshape(b @ a, [cout, k, k, cin]), for a [r, k*k*cin] and b [cout, r]. Computed as
/// (patches @ a^T) @ b^T, [B, Ho, Wo, r] then [B, Ho, Wo, cout], so the full-rank kernel is
/// never formed. A conv LoRA's wrap adds scale * conv_lowrank(x, a, b, ...) to base(x);
/// its merge adds scale * reshape(b @ a, [cout, k, k, cin]) to the kernel.
fn conv_lowrank(x, a, b, k: int, stride: int, pad: int) {
  return conv_patches(x, k, stride, pad) @ a^T @ b^T
}
