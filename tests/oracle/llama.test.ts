// Independent oracle: the stdlib Llama (RMSNorm, RoPE, SwiGLU, grouped-query attention)
// against the same model written directly in TensorFlow.js, following Hugging Face's
// modeling_llama (rotate_half RoPE, repeat_kv). Loss and every gradient within 1e-4 relative.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { lossAndGrads, norm, relErr } from './ours.ts';

const V = 13,
  D = 16,
  H = 4,
  KV = 2,
  L = 2,
  F = 24,
  B = 2,
  T = 6,
  BASE = 10000,
  EPS = 1e-6;
const recipe = `
import std.models.llama
import std.losses.causal_lm
recipe r {
  model = llama(vocab: ${V}, d: ${D}, heads: ${H}, kv_heads: ${KV}, n_layers: ${L}, hidden: ${F})
  data = text("x.txt") |> chunks(seq: ${T}) |> batch(${B})
  loss = causal_lm
}`;

const rms = (x: tf.Tensor, w: tf.Tensor) => x.mul(tf.rsqrt(x.square().mean(-1, true).add(EPS))).mul(w);
const lin = (x: tf.Tensor, w: tf.Tensor) =>
  tf.matMul(x.reshape([-1, w.shape[1]!]), w, false, true).reshape([...x.shape.slice(0, -1), w.shape[0]!]);

function rope(x: tf.Tensor): tf.Tensor {
  const dh = x.shape[3]!;
  const inv = Array.from({ length: dh / 2 }, (_, i) => 1 / BASE ** ((2 * i) / dh));
  const ang = Array.from({ length: T }, (_, p) => [...inv, ...inv].map((f) => p * f));
  const cos = tf.tensor2d(ang.map((r) => r.map(Math.cos)));
  const sin = tf.tensor2d(ang.map((r) => r.map(Math.sin)));
  const x1 = x.slice([0, 0, 0, 0], [-1, -1, -1, dh / 2]);
  const x2 = x.slice([0, 0, 0, dh / 2], [-1, -1, -1, dh / 2]);
  return x.mul(cos).add(tf.concat([x2.neg(), x1], -1).mul(sin));
}

function llamaLoss(p: Record<string, tf.Tensor>, tokens: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const dh = D / H;
  let x: tf.Tensor = tf.gather(p['embed_tokens.weight'], tokens);
  const causal = tf.linalg
    .bandPart(tf.ones([T, T]), -1, 0)
    .sub(1)
    .mul(1e9);
  const heads = (y: tf.Tensor, n: number) => y.reshape([B, T, n, dh]).transpose([0, 2, 1, 3]);
  // HF repeat_kv: kv head j serves query heads j*g .. j*g+g-1.
  const repeatKv = (y: tf.Tensor) =>
    tf.stack(
      Array.from({ length: H }, (_, h) =>
        y.slice([0, Math.floor(h / (H / KV)), 0, 0], [-1, 1, -1, -1]).squeeze([1]),
      ),
      1,
    );
  for (let l = 0; l < L; l++) {
    const q = (n: string) => p[`layers.${l}.${n}`];
    const h = rms(x, q('input_layernorm.weight'));
    const qh = rope(heads(lin(h, q('self_attn.q_proj.weight')), H));
    const kh = repeatKv(rope(heads(lin(h, q('self_attn.k_proj.weight')), KV)));
    const vh = repeatKv(heads(lin(h, q('self_attn.v_proj.weight')), KV));
    const att = tf.softmax(tf.matMul(qh, kh, false, true).div(Math.sqrt(dh)).add(causal));
    x = x.add(
      lin(tf.matMul(att, vh).transpose([0, 2, 1, 3]).reshape([B, T, D]), q('self_attn.o_proj.weight')),
    );
    const h2 = rms(x, q('post_attention_layernorm.weight'));
    const gate = lin(h2, q('mlp.gate_proj.weight'));
    x = x.add(
      lin(gate.mul(tf.sigmoid(gate)).mul(lin(h2, q('mlp.up_proj.weight'))), q('mlp.down_proj.weight')),
    );
  }
  const logits = lin(rms(x, p['norm.weight']), p['lm_head.weight']);
  const lp = tf.logSoftmax(logits.slice([0, 0, 0], [B, T - 1, V]));
  const nll = lp
    .mul(tf.oneHot(tokens.slice([0, 1], [B, T - 1]), V))
    .sum(-1)
    .neg();
  const m = mask.slice([0, 1], [B, T - 1]);
  return nll.mul(m).sum().div(m.sum()) as tf.Scalar;
}

describe('oracle: Llama vs TensorFlow.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loss and every parameter gradient match within 1e-4 relative', () => {
    const tokens = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 2) % V);
    const mask = Float32Array.from({ length: B * T }, (_, i) => (i % 5 === 3 ? 0 : 1));
    const ours = lossAndGrads(
      recipe,
      new Map<string, Int32Array | Float32Array>([
        ['tokens', tokens],
        ['loss_mask', mask],
      ]),
      11,
    );
    const names = [...ours.params.keys()];
    expect(names.length).toBe(3 + 9 * L);
    expect(ours.shapes.get('layers.0.self_attn.k_proj.weight')).toEqual([KV * (D / H), D]);
    const tfParams = names.map((n) => tf.tensor(ours.params.get(n)!, [...ours.shapes.get(n)!]));
    const tTokens = tf.tensor2d(tokens, [B, T], 'int32');
    const tMask = tf.tensor2d(mask, [B, T]);
    const f = (...ps: tf.Tensor[]) =>
      llamaLoss(Object.fromEntries(names.map((n, i) => [n, ps[i]])), tTokens, tMask);
    const { value, grads } = tf.valueAndGrads(f)(tfParams);
    const want = value.dataSync()[0];
    expect(Math.abs(ours.loss - want) / Math.abs(want)).toBeLessThan(1e-4);
    const theirs = grads.map((g) => g.dataSync());
    const global = norm(theirs.flatMap((g) => Array.from(g)));
    names.forEach((n, i) =>
      expect(relErr(ours.grads.get(n)!, theirs[i], 1e-3 * global), n).toBeLessThan(1e-4),
    );
  });
});
