import std.nn.conv2d
import std.nn.linear
import std.nn.layernorm
import std.nn.mobiletl_act

/// ReLU6: min(max(x, 0), 6), MobileNetV2's activation.
fn relu6(x) = clamp(x, 0.0, 6.0)

/// MobileNetV2's inverted residual block in NHWC: 1x1 expand to `cin * expand` channels,
/// norm, ReLU6; 3x3 depthwise (stride `stride`), norm, ReLU6; 1x1 linear projection to
/// `cout`, norm; plus the input when stride is 1 and cin == cout. Norms are per-position
/// LayerNorms over channels (names `norm_1..3`, scale `weight`, shift `bias`) standing in
/// for BatchNorm, which needs running statistics the stdlib does not keep. `act` and
/// `approx` choose the activation (stdlib/nn/mobiletl_act.ftl `mobile_act`).
module inverted_residual(cin: int, cout: int, expand: int = 4, stride: int = 1, act: string = "relu6",
                         approx: bool = false) {
  expand_conv = conv2d(cin, cin * expand, k: 1, stride: 1, pad: 0, bias: false)
  norm_1 = layernorm(cin * expand)
  dw = depthwise_conv2d(cin * expand, k: 3, stride: stride, pad: 1, bias: false)
  norm_2 = layernorm(cin * expand)
  project = conv2d(cin * expand, cout, k: 1, stride: 1, pad: 0, bias: false)
  norm_3 = layernorm(cout)
  forward(x: f32[B, H, W, cin]) {
    let h = mobile_act(norm_1(expand_conv(x)), act, approx)
    h = mobile_act(norm_2(dw(h)), act, approx)
    h = norm_3(project(h))
    if stride == 1 && cin == cout {
      return x + h
    }
    return h
  }
}

/// A small MobileNetV2-style CNN for `image` x `image` x `channels` inputs given flat
/// ([B, image * image * channels], row-major HWC, as `synthetic_classification(dim:)`
/// yields): a stride-2 3x3 stem conv to `width` channels, `depth` inverted residual
/// blocks (`blocks.N`, expansion `expand`), global average pooling and a linear `head`.
/// `act`: "relu6" (MobileNetV2) or "hard_swish" (MobileNetV3's); `approx_backward: true`
/// gives every activation MobileTL's step-function backward (mask-only, see mobiletl_act).
model mobilenet_v2(classes: int, image: int = 8, channels: int = 3, width: int = 8, depth: int = 2, expand: int = 4,
                   act: string = "relu6", approx_backward: bool = false) {
  stem = conv2d(channels, width, k: 3, stride: 2, pad: 1)
  stem_norm = layernorm(width)
  blocks[depth] = inverted_residual(width, width, expand, 1, act, approx_backward)
  head = linear(width, classes)
  forward(x: f32[B, D]) -> f32[B, classes] {
    let h = mobile_act(stem_norm(stem(reshape(x, [B, image, image, channels]))), act, approx_backward)
    for b in blocks { h = b(h) }
    return head(mean(h, axis: [1, 2]))
  }
}
