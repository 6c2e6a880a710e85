// bench/systems/ftl-init.ts: the host-side init follows the scheme by name, checked by moments.
import { describe, expect, it } from 'vitest';
import { hostInit } from '../../bench/systems/ftl-init.ts';

const moments = (v: Float32Array) => {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return { mean, std, max: Math.max(...v.map(Math.abs)) };
};

describe('bench host init', () => {
  const init = hostInit([
    { name: 'wte.weight', shape: [256, 128] },
    { name: 'blocks.0.ln1.weight', shape: [128] },
    { name: 'blocks.0.attn.q.bias', shape: [128] },
    { name: 'blocks.0.attn.q.lora_a', shape: [8, 128] },
    { name: 'blocks.0.attn.q.lora_b', shape: [128, 8] },
    { name: 'adam.m.wte.weight', shape: [256, 128], role: 'state' },
  ]);

  it('weights ~ normal(0, 0.02)', () => {
    const m = moments(init.get('wte.weight')!);
    // 32768 samples: the std of the sample mean is 0.02/181 ~ 1.1e-4.
    expect(Math.abs(m.mean)).toBeLessThan(6e-4);
    expect(m.std).toBeGreaterThan(0.0195);
    expect(m.std).toBeLessThan(0.0205);
  });

  it('layernorm gains ones, biases and LoRA B zeros, optimizer state untouched', () => {
    expect(init.get('blocks.0.ln1.weight')!.every((x) => x === 1)).toBe(true);
    expect(init.get('blocks.0.attn.q.bias')!.every((x) => x === 0)).toBe(true);
    expect(init.get('blocks.0.attn.q.lora_b')!.every((x) => x === 0)).toBe(true);
    expect(init.has('adam.m.wte.weight')).toBe(false);
  });

  it('LoRA A ~ uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))', () => {
    const bound = 1 / Math.sqrt(128);
    const m = moments(init.get('blocks.0.attn.q.lora_a')!);
    expect(m.max).toBeLessThanOrEqual(bound);
    // Uniform(-b, b) has std b/sqrt(3); 1024 samples give ~2% relative error on the std.
    expect(m.std / (bound / Math.sqrt(3))).toBeGreaterThan(0.93);
    expect(m.std / (bound / Math.sqrt(3))).toBeLessThan(1.07);
  });
});
