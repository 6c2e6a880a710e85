// The layers of the peer's models, written with TensorFlow.js ops the way a tfjs user would:
// one op per tfjs call, no fusion beyond what tfjs does itself. Weights are [out, in] like
// ftl's `linear` (and PyTorch's), so x @ W^T + b.

import * as tf from '@tensorflow/tfjs';

/** x [N, in] @ w[out, in]^T + b [out] -> [N, out] */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(x, w as tf.Tensor2D, false, true), b);
}

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * g + b.  x [N, C] */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

/** GELU, tanh approximation (GPT-2): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Additive causal mask [T, T]: 0 on and below the diagonal, -1e9 above. */
export function causalMask(T: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9) as tf.Tensor2D);
}

/**
 * Causal multi-head self-attention core. q, k, v [B*T, C] -> [B*T, C].
 * Heads: [B, T, H, hd] -> [B, H, T, hd]; scores [B, H, T, T].
 */
export function attention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  mask: tf.Tensor2D,
  B: number,
  T: number,
  H: number,
): tf.Tensor2D {
  const C = q.shape[1];
  const hd = C / H;
  const heads = (x: tf.Tensor2D) => tf.transpose(tf.reshape(x, [B, T, H, hd]), [0, 2, 1, 3]);
  const scores = tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(hd)), mask);
  const y = tf.matMul(tf.softmax(scores), heads(v)); // [B, H, T, hd]
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]);
}
