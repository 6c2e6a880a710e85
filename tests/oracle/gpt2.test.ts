// Independent oracle: the stdlib GPT-2 (2 layers) against the same model written directly
// in TensorFlow.js with the same weights. Loss and every parameter gradient agree within
// 1e-4 relative (our side in float64, TF.js in float32).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { lossAndGrads, norm, relErr } from './ours.ts';

const V = 11,
  CTX = 8,
  D = 12,
  H = 3,
  L = 2,
  B = 2,
  T = 7;
const recipe = `
import std.models.gpt2
import std.losses.causal_lm
recipe r {
  model = gpt2(vocab: ${V}, ctx: ${CTX}, d: ${D}, heads: ${H}, layers: ${L})
  data = text("x.txt") |> chunks(seq: ${T}) |> batch(${B})
  loss = causal_lm
}`;

function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(eps).sqrt()).mul(w).add(b);
}
const linear = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
  tf
    .add(tf.matMul(x.reshape([-1, w.shape[1]!]), w, false, true), b)
    .reshape([...x.shape.slice(0, -1), w.shape[0]!]);
const gelu = (x: tf.Tensor) =>
  x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));

function gpt2Loss(p: Record<string, tf.Tensor>, tokens: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const dh = D / H;
  let x = tf.gather(p['wte.weight'], tokens).add(p['wpe.weight'].slice([0, 0], [T, D])) as tf.Tensor;
  // Causal mask: -1e9 above the diagonal.
  const causal = tf.linalg
    .bandPart(tf.ones([T, T]), -1, 0)
    .sub(1)
    .mul(1e9);
  for (let l = 0; l < L; l++) {
    const q = (n: string) => p[`blocks.${l}.${n}`];
    const h = layerNorm(x, q('ln_1.weight'), q('ln_1.bias'));
    const heads = (y: tf.Tensor) => y.reshape([B, T, H, dh]).transpose([0, 2, 1, 3]);
    const qh = heads(linear(h, q('attn.q.weight'), q('attn.q.bias')));
    const kh = heads(linear(h, q('attn.k.weight'), q('attn.k.bias')));
    const vh = heads(linear(h, q('attn.v.weight'), q('attn.v.bias')));
    const att = tf.softmax(tf.matMul(qh, kh, false, true).div(Math.sqrt(dh)).add(causal));
    const y = tf.matMul(att, vh).transpose([0, 2, 1, 3]).reshape([B, T, D]);
    x = x.add(linear(y, q('attn.o.weight'), q('attn.o.bias')));
    const h2 = layerNorm(x, q('ln_2.weight'), q('ln_2.bias'));
    x = x.add(
      linear(
        gelu(linear(h2, q('mlp.fc.weight'), q('mlp.fc.bias'))),
        q('mlp.proj.weight'),
        q('mlp.proj.bias'),
      ),
    );
  }
  const logits = tf
    .matMul(layerNorm(x, p['ln_f.weight'], p['ln_f.bias']).reshape([B * T, D]), p['wte.weight'], false, true)
    .reshape([B, T, V]);
  const lp = tf.logSoftmax(logits.slice([0, 0, 0], [B, T - 1, V]));
  const tgt = tf.oneHot(tokens.slice([0, 1], [B, T - 1]), V);
  const nll = lp.mul(tgt).sum(-1).neg();
  const m = mask.slice([0, 1], [B, T - 1]);
  return nll.mul(m).sum().div(m.sum()) as tf.Scalar;
}

describe('oracle: GPT-2 vs TensorFlow.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loss and every parameter gradient match within 1e-4 relative', () => {
    const tokens = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 3) % V);
    const mask = Float32Array.from({ length: B * T }, (_, i) => (i % 6 === 5 ? 0 : 1));
    const ours = lossAndGrads(
      recipe,
      new Map<string, Int32Array | Float32Array>([
        ['tokens', tokens],
        ['loss_mask', mask],
      ]),
      7,
    );
    const names = [...ours.params.keys()];
    expect(names.length).toBe(4 + 16 * L);
    const tfParams = names.map((n) => tf.tensor(ours.params.get(n)!, [...ours.shapes.get(n)!]));
    const tTokens = tf.tensor2d(tokens, [B, T], 'int32');
    const tMask = tf.tensor2d(mask, [B, T]);
    const f = (...ps: tf.Tensor[]) =>
      gpt2Loss(Object.fromEntries(names.map((n, i) => [n, ps[i]])), tTokens, tMask);
    const { value, grads } = tf.valueAndGrads(f)(tfParams);
    const want = value.dataSync()[0];
    expect(Math.abs(ours.loss - want) / Math.abs(want)).toBeLessThan(1e-4);
    const theirs = grads.map((g) => g.dataSync());
    const global = norm(theirs.flatMap((g) => Array.from(g)));
    names.forEach((n, i) => {
      expect(relErr(ours.grads.get(n)!, theirs[i], 1e-3 * global), n).toBeLessThan(1e-4);
    });
    // The key bias cannot change attention (a per-row shift of the scores): ~0 on both sides.
    expect(norm(ours.grads.get('blocks.0.attn.k.bias')!)).toBeLessThan(1e-6 * global);
  });
});
