import std.nn.conv2d
import std.nn.conv_lowrank

/// Reverse the sequence axis (axis 1) of a (B, T) token tensor: the "mirror" of a sequence.
fn mirror(tokens) {
  let T = tokens.shape[1]
  let rev = T - 1 - arange(T)                                    // (T)
  return gather(tokens, reshape(rev, [1, T]) + zeros_like(tokens), axis: 1)
}

/// Mirror-consistency regulariser: mean squared distance between the sequence-mean
/// predictions (softmax of the logits, averaged over positions) for tokens and for their
/// mirror image. Zero for a palindromic (mirror-symmetric) input.
fn mirror_consistency(model, tokens) {
  let a = mean(softmax(model(tokens)), axis: 1)
  let b = mean(softmax(model(mirror(tokens))), axis: 1)
  return mean((a - b) ^ 2)
}

/// My3DGen (Qi et al. 2023/2025, "My3DGen: A Scalable Personalized 3D Generative Model"):
/// personalise a frozen generative prior with a low-rank update of every layer,
/// W' = W + (alpha / r) B A (the paper adapts every convolution and fully connected layer
/// of EG3D, convolution kernels reshaped to matrices), plus a symmetry regulariser against
/// few-shot overfitting: the paper keeps the identity of renders from mirrored poses equal.
/// Here the low-rank update goes on every `linear` and every `conv2d` (std.nn.conv2d, NHWC,
/// kernel [cout, k, k, cin]) matched by `targets`. A conv's update is A [r, k*k*cin],
/// B [cout, r], kernel' = W + (alpha / r) reshape(B A, [cout, k, k, cin]); its branch is the
/// convolution with that low-rank kernel, computed through the rank-r bottleneck
/// (std.nn.conv_lowrank). ftl has no 3D GAN: the mirror is the reversed token sequence,
///   loss + symmetry * mirror_consistency(model, tokens)   (only when symmetry > 0, so a
/// recipe whose batches have no `tokens`, e.g. a CNN's, uses symmetry: 0).
/// A Kaiming-uniform, B zero; only A and B train; `merge` folds B A into the weights.
method my3dgen(r: int = 4, alpha: float = 8.0, symmetry: float = 0.1, targets: pattern = "**") {
  freeze all
  for m: linear in modules(targets) {
    param m.lora_a: f32[r, m.in]  init kaiming_uniform(a: sqrt(5)) trainable
    param m.lora_b: f32[m.out, r] init zeros trainable
    wrap m(x) = base(x) + (alpha / r) * (x @ m.lora_a^T @ m.lora_b^T)
    merge m.weight += (alpha / r) * (m.lora_b @ m.lora_a)
  }
  for m: conv2d in modules(targets) {
    param m.lora_a: f32[r, m.k * m.k * m.cin] init kaiming_uniform(a: sqrt(5)) trainable
    param m.lora_b: f32[m.cout, r]            init zeros trainable
    wrap m(x) = base(x) + (alpha / r) * conv_lowrank(x, m.lora_a, m.lora_b, m.k, m.stride, m.pad)
    merge m.weight += (alpha / r) * reshape(m.lora_b @ m.lora_a, [m.cout, m.k, m.k, m.cin])
  }
  if symmetry > 0 {
    let l = loss
    loss = (mm, bb) => l(mm, bb) + symmetry * mirror_consistency(mm, bb.tokens)
  }
}
