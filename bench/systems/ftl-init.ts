// ftl's init scheme applied on the host by parameter name, for a compile result that does
// not carry initial values: weights (rank >= 2, embeddings included) normal(0, 0.02); LayerNorm
// gains ones; biases, LoRA B and optimizer state zeros; LoRA A Kaiming-uniform (a = sqrt(5),
// bound 1/sqrt(fan_in)). Values come from the counter-based RNG the runtime uses.

import { mix32 } from '../../runtime/rng.ts';

interface ParamSlot {
  name: string;
  shape: readonly number[];
  role?: string;
}

const uniform = (seed: number, i: number) => (mix32((mix32(seed ^ 0x9e3779b9) + i) >>> 0) >>> 8) / 16777216;

export function hostInit(params: readonly ParamSlot[], seed = 0): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  params.forEach((p, k) => {
    if (p.role === 'state') return; // optimizer state starts at zero, as created
    const n = p.shape.reduce((a, x) => a * x, 1);
    const v = new Float32Array(n);
    const s = (seed * 7919 + k) >>> 0;
    if (/lora_a$/.test(p.name)) {
      const bound = 1 / Math.sqrt(p.shape[p.shape.length - 1]);
      for (let i = 0; i < n; i++) v[i] = (2 * uniform(s, i) - 1) * bound;
    } else if (/lora_b$|bias$/.test(p.name) || p.shape.length < 2) {
      // LayerNorm gains are rank-1 "weight"s: ones. Other rank-1 tensors are biases: zeros.
      if (/\.weight$/.test(p.name)) v.fill(1);
    } else {
      for (let i = 0; i < n; i++) {
        // Box-Muller from two uniforms, std 0.02.
        const u1 = Math.max(uniform(s, 2 * i), 2 ** -24);
        const u2 = uniform(s, 2 * i + 1);
        v[i] = 0.02 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      }
    }
    out.set(p.name, v);
  });
  return out;
}
