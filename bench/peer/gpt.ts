// The peer's GPT in TensorFlow.js: byte vocabulary, learned positions, pre-LayerNorm blocks
// (separate q, k, v, o projections so LoRA can target q and v), GELU MLP, tied output head,
// next-token cross-entropy on logits[:, :-1] vs tokens[:, 1:] (ftl's causal_lm). Parameter
// names are std.models.gpt2's, so the harness can start both systems from the same weights.
// Optional LoRA on attn.q and attn.v: W x + (alpha/r) B A x with A Kaiming-uniform, B zeros.
//
// Dimension letters: B batch, T context, C d_model, H heads, V vocab, R LoRA rank.

import * as tf from '@tensorflow/tfjs';
import type { GptConfig } from '../workloads.ts';
import { attention, causalMask, gelu, layerNorm, linear } from './layers.ts';

export type Params = Map<string, tf.Variable>;

/** Create every parameter with ftl's init scheme. Returns name -> variable. */
export function initGpt(c: GptConfig, seed = 0): Params {
  const p: Params = new Map();
  let s = seed;
  const normal = (name: string, shape: number[]) =>
    p.set(name, tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', ++s), true, name));
  const fill = (name: string, shape: number[], v: number) =>
    p.set(name, tf.variable(tf.fill(shape, v), true, name));
  const C = c.d;
  const F = c.d * c.mlpRatio;
  normal('wte.weight', [c.vocab, C]);
  normal('wpe.weight', [c.ctx, C]);
  const lin = (name: string, out: number, inp: number) => {
    normal(`${name}.weight`, [out, inp]);
    fill(`${name}.bias`, [out], 0);
  };
  const ln = (name: string) => {
    fill(`${name}.weight`, [C], 1);
    fill(`${name}.bias`, [C], 0);
  };
  for (let i = 0; i < c.layers; i++) {
    const b = `blocks.${i}`;
    ln(`${b}.ln_1`);
    for (const m of ['q', 'k', 'v', 'o']) lin(`${b}.attn.${m}`, C, C);
    ln(`${b}.ln_2`);
    lin(`${b}.mlp.fc`, F, C);
    lin(`${b}.mlp.proj`, C, F);
    if (c.lora) {
      const bound = 1 / Math.sqrt(C); // kaiming_uniform(a = sqrt(5)): sqrt(6 / ((1 + 5) fan_in))
      for (const m of ['q', 'v']) {
        const name = `${b}.attn.${m}.lora_a`;
        p.set(name, tf.variable(tf.randomUniform([c.lora.r, C], -bound, bound, 'float32', ++s), true, name));
        fill(`${b}.attn.${m}.lora_b`, [C, c.lora.r], 0);
      }
    }
  }
  ln('ln_f');
  return p;
}

/** The names the optimizer updates for the workload's method. */
export function trainableNames(c: GptConfig, p: Params): string[] {
  const names = [...p.keys()];
  switch (c.method) {
    case 'full':
      return names;
    case 'lora':
      return names.filter((n) => n.includes('.lora_'));
    case 'bitfit':
      return names.filter((n) => n.endsWith('.bias'));
    case 'last-block':
      return names.filter((n) => n.startsWith(`blocks.${c.layers - 1}.`));
    case 'custom':
      throw new Error('a stdlib method workload is ftl-only (bench/methods.ts)');
  }
}

/** Scalar mean next-token cross-entropy for tokens [B, T] (int32). */
export function gptLoss(c: GptConfig, p: Params, tokens: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const [B, T] = tokens.shape;
  const C = c.d;
  const w = (n: string) => p.get(n)!;
  const lin = (x: tf.Tensor2D, n: string) => linear(x, w(`${n}.weight`), w(`${n}.bias`));
  const lora = (x: tf.Tensor2D, n: string, base: tf.Tensor2D) => {
    if (!c.lora) return base;
    const down = tf.matMul(x, w(`${n}.lora_a`) as tf.Tensor2D, false, true); // [B*T, R]
    const up = tf.matMul(down, w(`${n}.lora_b`) as tf.Tensor2D, false, true); // [B*T, C]
    return tf.add(base, tf.mul(up, c.lora.alpha / c.lora.r)) as tf.Tensor2D;
  };

  // x [B*T, C] = wte[tokens] + wpe[0..T)
  const tok = tf.reshape(tf.gather(w('wte.weight'), tf.reshape(tokens, [B * T])), [B, T, C]);
  const pos = tf.slice(w('wpe.weight'), [0, 0], [T, C]);
  let x = tf.reshape(tf.add(tok, pos), [B * T, C]) as tf.Tensor2D;
  for (let i = 0; i < c.layers; i++) {
    const b = `blocks.${i}`;
    const h = layerNorm(x, w(`${b}.ln_1.weight`), w(`${b}.ln_1.bias`));
    const q = lora(h, `${b}.attn.q`, lin(h, `${b}.attn.q`));
    const k = lin(h, `${b}.attn.k`);
    const v = lora(h, `${b}.attn.v`, lin(h, `${b}.attn.v`));
    x = tf.add(x, lin(attention(q, k, v, mask, B, T, c.heads), `${b}.attn.o`));
    const h2 = layerNorm(x, w(`${b}.ln_2.weight`), w(`${b}.ln_2.bias`));
    x = tf.add(x, lin(gelu(lin(h2, `${b}.mlp.fc`)) as tf.Tensor2D, `${b}.mlp.proj`));
  }
  const hf = layerNorm(x, w('ln_f.weight'), w('ln_f.bias'));
  const logits = tf.reshape(tf.matMul(hf, w('wte.weight') as tf.Tensor2D, false, true), [B, T, c.vocab]);
  // Predict token t+1 from position t: logits[:, :-1] against tokens[:, 1:].
  const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, c.vocab]), [B * (T - 1), c.vocab]);
  const next = tf.reshape(tf.slice(tokens, [0, 1], [B, T - 1]), [B * (T - 1)]);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(next, c.vocab), pred) as tf.Scalar;
}

export { causalMask };
