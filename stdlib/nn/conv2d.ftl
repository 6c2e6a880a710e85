/// Zero-pad the spatial axes of x [B, H, W, C]: `p` before and `p + extra` after, where
/// `extra` rows/columns let a strided tap read whole stride groups (see conv_tap).
fn pad_hw(x, p: int, extra: int) {
  if p + extra == 0 {
    return x
  }
  let b = x.shape[0]
  let c = x.shape[3]
  let xh = concat([zeros([b, p, x.shape[2], c]), x, zeros([b, p + extra, x.shape[2], c])], axis: 1)
  return concat([zeros([b, xh.shape[1], p, c]), xh, zeros([b, xh.shape[1], p + extra, c])], axis: 2)
}

/// Output size of a convolution axis: floor((n + 2 p - k) / s) + 1.
fn out_size(n: int, k: int, s: int, p: int) {
  let span = n + 2 * p - k
  return (span - span % s) / s + 1
}

/// Rows/columns a strided tap reads past the padded input: (k - 1) + ho * s - (n + 2 p).
fn tap_extra(n: int, k: int, s: int, p: int) {
  let ho = out_size(n, k, s, p)
  let e = k - 1 + ho * s - (n + 2 * p)
  if e < 0 {
    return 0
  }
  return e
}

/// The (i, j) kernel tap of a convolution: xp[:, i + s*y, j + s*x, :] for every output
/// position (y, x) in [0, ho) x [0, wo). The IR has no strided slice, so a stride s reads
/// ho * s rows, splits them into (ho, s) and keeps offset 0 of each group.
fn conv_tap(xp, i: int, j: int, ho: int, wo: int, s: int) {
  let t = xp[:, i : i + ho * s, j : j + wo * s, :]            // (B, ho*s, wo*s, C)
  if s == 1 {
    return t
  }
  let b = xp.shape[0]
  let c = xp.shape[3]
  let t6 = reshape(t, [b, ho, s, wo, s, c])
  return reshape(t6[:, :, 0:1, :, 0:1, :], [b, ho, wo, c])
}

/// 2-D convolution in NHWC layout built from pad, strided slices, concat and one matmul
/// (im2col): x [B, H, W, cin] -> [B, Ho, Wo, cout], Ho = (H + 2 pad - k) / stride + 1.
/// weight [cout, k, k, cin] (PyTorch's [cout, cin, k, k] permuted to channels-last), bias
/// [cout] unless `bias: false`. Autodiff goes through the same ops, so it trains on CPU and
/// WebGPU without a convolution kernel of its own.
module conv2d(cin: int, cout: int, k: int = 3, stride: int = 1, pad: int = 1, bias: bool = true) {
  param weight: f32[cout, k, k, cin] init kaiming_uniform(a: sqrt(5))
  param bias:   f32[cout]            init zeros if bias
  forward(x: f32[B, H, W, cin]) {
    let xp = pad_hw(x, pad, tap_extra(H, k, stride, pad))
    let ho = out_size(H, k, stride, pad)
    let wo = out_size(W, k, stride, pad)
    let cols = conv_tap(xp, 0, 0, ho, wo, stride)
    for i in range(k) {
      for j in range(k) {
        if i + j > 0 {
          cols = concat([cols, conv_tap(xp, i, j, ho, wo, stride)], axis: 3)
        }
      }
    }
    // cols: (B, Ho, Wo, k*k*cin), tap-major (i, then j, then channel) like the weight
    return cols @ reshape(weight, [cout, k * k * cin])^T + bias
  }
}

/// Depthwise 2-D convolution (one k x k filter per channel, MobileNet's spatial layer) in
/// NHWC: x [B, H, W, c] -> [B, Ho, Wo, c]; weight [k, k, c]; a sum of k*k strided slices
/// scaled per channel, so it needs no matmul.
module depthwise_conv2d(c: int, k: int = 3, stride: int = 1, pad: int = 1, bias: bool = true) {
  param weight: f32[k, k, c] init kaiming_uniform(a: sqrt(5))
  param bias:   f32[c]       init zeros if bias
  forward(x: f32[B, H, W, c]) {
    let xp = pad_hw(x, pad, tap_extra(H, k, stride, pad))
    let ho = out_size(H, k, stride, pad)
    let wo = out_size(W, k, stride, pad)
    let out = conv_tap(xp, 0, 0, ho, wo, stride) * weight[0, 0]
    for i in range(k) {
      for j in range(k) {
        if i + j > 0 {
          out = out + conv_tap(xp, i, j, ho, wo, stride) * weight[i, j]
        }
      }
    }
    return out + bias
  }
}
