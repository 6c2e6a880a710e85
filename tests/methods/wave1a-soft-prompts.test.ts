// Prompt tuning and prefix tuning (stdlib/methods/prompt_tuning.ftl, prefix_tuning.ftl).
// Independent check: with position embeddings zeroed, a soft prompt equal to the embeddings
// of real tokens p (prompt tuning), or prefix keys/values equal to the 1-layer model's own
// keys/values of p (prefix tuning), must give exactly the logits the frozen base model gives
// on the sequence [p; tokens] at the tokens' positions. Then: only the prompt trains, and a
// training step on WebGPU equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  inputs,
  logits,
  maxAbsDiff,
  tiny,
  tokenBatch,
  train,
  trainableNames,
  type Store,
} from './wave1a-helpers.ts';

const [B, T, P, D, V] = [4, 8, 3, 16, 16];
const prefixTokens = [5, 11, 2];

/** [p; tokens] per row, and the tokens alone. */
function sequences() {
  const { tokens } = tokenBatch(B, T, V, 1);
  const long = new Int32Array(B * (T + P));
  for (let b = 0; b < B; b++) {
    long.set(prefixTokens, b * (T + P));
    long.set(tokens.subarray(b * T, (b + 1) * T), b * (T + P) + P);
  }
  return { tokens, long };
}

/** Logits of rows [b, P:, :] of a [B, T + P, V] tensor. */
function dropPrefix(y: Float32Array): Float32Array {
  const out = new Float32Array(B * T * V);
  for (let b = 0; b < B; b++) out.set(y.subarray((b * (T + P) + P) * V, (b + 1) * (T + P) * V), b * T * V);
  return out;
}

function baseOnLong(layers: number, params: Store) {
  const base = forward(tiny('', { seq: T + P, layers }));
  return dropPrefix(logits(base, params, inputs(sequences().long)));
}

/** Host LayerNorm then linear: (x - mu) / sqrt(var + 1e-5) * g + b, then x W^T + c. */
function lnLinear(x: Float32Array, g: Float32Array, bn: Float32Array, w: Float32Array, c: Float32Array) {
  const n = x.length;
  const mu = x.reduce((a, v) => a + v, 0) / n;
  const vr = x.reduce((a, v) => a + (v - mu) ** 2, 0) / n;
  const h = x.map((v, i) => ((v - mu) / Math.sqrt(vr + 1e-5)) * g[i] + bn[i]);
  const out = new Float32Array(c.length);
  for (let o = 0; o < c.length; o++) {
    let s = c[o];
    for (let i = 0; i < n; i++) s += h[i] * w[o * n + i];
    out[o] = s;
  }
  return out;
}

describe('prompt tuning', () => {
  it('a prompt of token embeddings reproduces the base model on [p; tokens]', () => {
    const peft = forward(tiny(`apply prompt_tuning(length: ${P})`, { imports: ['prompt_tuning'], seq: T }));
    const params = peft.initialValues(1);
    params.set('wpe.weight', new Float32Array(16 * D));
    const wte = params.get('wte.weight') as Float32Array;
    const prompt = new Float32Array(P * D);
    prefixTokens.forEach((t, i) => prompt.set(wte.subarray(t * D, (t + 1) * D), i * D));
    params.set('blocks.0.soft_prompt', prompt);
    const y = logits(peft, params, inputs(sequences().tokens));
    expect(maxAbsDiff(y, baseOnLong(2, params))).toBeLessThan(1e-5);
  });

  it('trains only the prompt; the model stays bit-identical', () => {
    const b = train(tiny(`apply prompt_tuning(length: ${P})`, { imports: ['prompt_tuning'] }));
    expect(trainableNames(b)).toEqual(['blocks.0.soft_prompt']);
    const store = b.initialValues(2);
    const before = new Map(store);
    for (let s = 1; s <= 3; s++) step(b.graph, store, batchInputs(B, T, s, s));
    for (const [k, v] of before) {
      if (k.includes(':')) continue;
      if (k === 'blocks.0.soft_prompt') expect(maxAbsDiff(store.get(k)!, v)).toBeGreaterThan(0);
      else expect(store.get(k)).toEqual(v);
    }
  });
});

describe('prefix tuning', () => {
  it("prefixes equal to the model's own keys/values of p reproduce the base model on [p; tokens]", () => {
    const peft = forward(
      tiny(`apply prefix_tuning(length: ${P})`, { imports: ['prefix_tuning'], layers: 1 }),
    );
    const params = peft.initialValues(1);
    params.set('wpe.weight', new Float32Array(16 * D));
    const g = (n: string) => params.get(n) as Float32Array;
    const [H, dh] = [2, D / 2];
    const pk = new Float32Array(H * P * dh);
    const pv = new Float32Array(H * P * dh);
    prefixTokens.forEach((t, i) => {
      const x = g('wte.weight').subarray(t * D, (t + 1) * D);
      const ln = ['blocks.0.ln_1.weight', 'blocks.0.ln_1.bias'].map(g) as [Float32Array, Float32Array];
      const k = lnLinear(x, ...ln, g('blocks.0.attn.k.weight'), g('blocks.0.attn.k.bias'));
      const v = lnLinear(x, ...ln, g('blocks.0.attn.v.weight'), g('blocks.0.attn.v.bias'));
      for (let h = 0; h < H; h++)
        for (let j = 0; j < dh; j++) {
          pk[(h * P + i) * dh + j] = k[h * dh + j];
          pv[(h * P + i) * dh + j] = v[h * dh + j];
        }
    });
    params.set('blocks.0.attn.prefix_k', pk);
    params.set('blocks.0.attn.prefix_v', pv);
    const y = logits(peft, params, inputs(sequences().tokens));
    expect(maxAbsDiff(y, baseOnLong(1, params))).toBeLessThan(1e-5);
  });

  it('trains only the prefixes', () => {
    const b = train(tiny('apply prefix_tuning(length: 2)', { imports: ['prefix_tuning'] }));
    expect(trainableNames(b).sort()).toEqual(
      ['0', '1'].flatMap((l) => [`blocks.${l}.attn.prefix_k`, `blocks.${l}.attn.prefix_v`]),
    );
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it.each([
    ['prompt_tuning', `apply prompt_tuning(length: ${P})`],
    ['prefix_tuning', `apply prefix_tuning(length: ${P})`],
  ])('%s: a training step equals the CPU executor', async (m, apply) => {
    await gpuStepMatchesCpu(h, train(tiny(apply, { imports: [m], layers: 1 })), batchInputs(B, T, 4, 1));
  });
});
