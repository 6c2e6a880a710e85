// The ftl side of each bench workload parses with the project's grammar, and mirrors the
// peer's configuration (same sizes, optimizer, method).
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { recipeFor } from '../../bench/systems/ftl-recipes.ts';
import { workloads } from '../../bench/workloads.ts';

describe('bench recipes', () => {
  for (const w of workloads(false)) {
    it(`${w.name} parses without diagnostics`, () => {
      const text = recipeFor(w, '/tmp/data.bin');
      const r = parse(text, `${w.name}.ftl`);
      expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      const c = w.config;
      if (c.kind === 'gpt') {
        expect(text).toContain(
          `gpt(vocab: ${c.vocab}, ctx: ${c.ctx}, d: ${c.d}, heads: ${c.heads}, layers: ${c.layers}`,
        );
        expect(text).toContain(`batch(${c.batch})`);
        expect(text).toContain(`adamw(lr: ${c.lr}, weight_decay: ${c.weightDecay})`);
        expect(text.includes('apply lora(r: 8, alpha: 16, targets: "blocks.*.attn.{q,v}")')).toBe(
          c.method === 'lora',
        );
      } else {
        expect(text).toContain(`linear(${c.sizes[0]}, ${c.sizes[1]})`);
        expect(text).toContain(`adam(lr: ${c.lr})`);
      }
    });
  }
});
