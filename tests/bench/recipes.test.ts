// The ftl side of each bench workload compiles (to the training IR; no device needed) and
// describes the same model as the peer (bench/peer/gpt.ts): the same parameter count, given
// here in closed form, and the same trainable set for each method.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { recipeFor } from '../../bench/systems/ftl-recipes.ts';
import { workloads, type GptConfig, type MlpConfig } from '../../bench/workloads.ts';

/** GPT-2 parameters: embeddings, per block 2 LayerNorms, q/k/v/o, fc (C -> 4C) and proj; ln_f. */
function gptParamCount(c: GptConfig): number {
  const C = c.d;
  const F = c.mlpRatio * C;
  const block = 2 * (2 * C) + 4 * (C * C + C) + (C * F + F) + (F * C + C);
  return c.vocab * C + c.ctx * C + c.layers * block + 2 * C;
}

const mlpParamCount = (c: MlpConfig) => c.sizes.slice(1).reduce((n, out, i) => n + out * c.sizes[i] + out, 0);

/** What the peer passes to its optimizer for each method (bench/peer/gpt.ts trainableNames). */
function expectTrainable(c: GptConfig, name: string): boolean {
  switch (c.method) {
    case 'full':
      return true;
    case 'lora':
      return /^blocks\.\d+\.attn\.[qv]\.lora_[ab]$/.test(name);
    case 'bitfit':
      return name.endsWith('.bias');
    case 'last-block':
      return name.startsWith(`blocks.${c.layers - 1}.`);
    case 'custom':
      throw new Error('stdlib method workloads are ftl-only');
  }
}

describe('bench recipes', () => {
  for (const w of workloads(false)) {
    it(`${w.name} compiles and matches the peer's model`, () => {
      const res = compile(recipeFor(w, '/tmp/bench-corpus.bin'), `/tmp/${w.name}.ftl`);
      expect(
        res.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`),
      ).toEqual([]);
      const params = res.build!.params.filter((p) => p.role === 'param');
      const numel = (shape: readonly number[]) => shape.reduce((a, x) => a * x, 1);
      const base = params.filter((p) => !p.added);
      const c = w.config;
      if (c.kind === 'mlp') {
        expect(base.reduce((n, p) => n + numel(p.shape), 0)).toBe(mlpParamCount(c));
        expect(params.every((p) => p.trainable)).toBe(true);
        return;
      }
      expect(base.reduce((n, p) => n + numel(p.shape), 0)).toBe(gptParamCount(c));
      for (const p of params) expect([p.name, p.trainable]).toEqual([p.name, expectTrainable(c, p.name)]);
      const added = params.filter((p) => p.added).map((p) => p.name);
      expect(added.length).toBe(c.method === 'lora' ? 4 * c.layers : 0);
    });
  }
});
