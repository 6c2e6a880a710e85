// The peer's MLP in TensorFlow.js: 784-256-256-10 with ReLU, softmax cross-entropy.
// Weights [out, in] normal(0.02), biases zeros (ftl's linear init).

import * as tf from '@tensorflow/tfjs';
import type { MlpConfig } from '../workloads.ts';
import { linear } from './layers.ts';
import type { Params } from './gpt.ts';

export function initMlp(c: MlpConfig, seed = 0): Params {
  const p: Params = new Map();
  for (let i = 0; i + 1 < c.sizes.length; i++) {
    const [inp, out] = [c.sizes[i], c.sizes[i + 1]];
    const w = `l${i}.weight`;
    const b = `l${i}.bias`;
    p.set(w, tf.variable(tf.randomNormal([out, inp], 0, 0.02, 'float32', seed + i + 1), true, w));
    p.set(b, tf.variable(tf.zeros([out]), true, b));
  }
  return p;
}

/** Mean softmax cross-entropy of x [N, 784] against labels [N] (int32). */
export function mlpLoss(c: MlpConfig, p: Params, x: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const n = c.sizes.length - 1;
  let h = x;
  for (let i = 0; i < n; i++) {
    h = linear(h, p.get(`l${i}.weight`)!, p.get(`l${i}.bias`)!);
    if (i + 1 < n) h = tf.relu(h);
  }
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, c.sizes[n]), h) as tf.Scalar;
}
