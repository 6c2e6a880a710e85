// Unified PETL view (He et al. 2022): parallel adapters and the MAM adapter
// (stdlib/methods/parallel_adapter.ftl). A parallel adapter with W_up = 0 is the base model
// exactly; MAM's prefix attention equals std.methods.prefix_tuning's (tested there against
// a model run on [prefix; tokens]) given the same prefixes; training MAM changes only prefixes
// and adapters; CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) =>
  'import std.methods.parallel_adapter\nimport std.methods.prefix_tuning\n' + gptRecipe(apply);
const out = (apply: string, edit?: (s: Map<string, Float32Array>) => void) => {
  const f = forward(rec(apply));
  const p = f.initialValues(1) as Map<string, Float32Array>;
  edit?.(p);
  return Array.from(evaluate(f.graph, { params: p, inputs: tokenInputs(4, 8, 16, 0) }).outputs.output);
};

describe('unified PETL view', () => {
  it('a parallel adapter with W_up = 0 leaves outputs unchanged (bit for bit)', () => {
    expect(out('apply parallel_adapter(size: 4)')).toEqual(out(''));
    // and a nonzero W_up moves them
    const moved = out('apply parallel_adapter(size: 4)', (s) => {
      for (const [k, v] of s)
        if (k.endsWith('adapter.up.weight'))
          s.set(
            k,
            v.map((_, i) => 0.05 * Math.cos(i)),
          );
    });
    expect(moved).not.toEqual(out(''));
  });

  it("MAM's prefix attention equals prefix_tuning's given the same prefixes (adapters at zero)", () => {
    const prefixes = (s: Map<string, Float32Array>) => {
      for (const [k, v] of s)
        if (/prefix_[kv]$/.test(k))
          s.set(
            k,
            v.map((_, i) => 0.3 * Math.sin(i + k.length)),
          );
    };
    const mam = out('apply mam_adapter(prefix: 3, size: 4)', prefixes);
    expect(mam).toEqual(out('apply prefix_tuning(length: 3)', prefixes));
    expect(mam).not.toEqual(out(''));
  });

  it('MAM trains only prefixes and adapters; every other tensor is bit-identical after training', () => {
    const b = train(rec('apply mam_adapter(prefix: 2, size: 4)'));
    const own = /(attn\.prefix_[kv]|mlp\.adapter\.(down|up)\.(weight|bias))$/;
    const t = b.params.filter((p) => p.trainable).map((p) => p.name);
    expect(t.length).toBe(3 * 6);
    for (const n of t) expect(n).toMatch(own);
    const st = b.initialValues(2);
    const before = new Map([...st].map(([k, v]) => [k, Array.from(v)]));
    for (let s = 1; s <= 2; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
    for (const p of b.params.filter((q) => !q.name.includes(':'))) {
      const same = JSON.stringify(Array.from(st.get(p.name)!)) === JSON.stringify(before.get(p.name));
      expect(same, p.name).toBe(!own.test(p.name));
    }
  });
});

describe('MAM adapter on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('3 training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec('apply mam_adapter(prefix: 2, size: 4)'), 3, (s) =>
      tokenInputs(4, 8, 16, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
    expect(r.cpu[2]).not.toBe(r.cpu[0]);
  }, 120_000);
});
