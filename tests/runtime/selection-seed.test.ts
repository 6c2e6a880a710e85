// Without a checkpoint, "a parameter's initial value" in a selection is the value the run
// draws with its own seed: a run with seed 3 selects from the seed-3 initialisation (the
// weights it trains), not from seed 0's.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAtStart } from '../../runtime/train/select.ts';

const dir = mkdtempSync(join(tmpdir(), 'ftl-selseed-'));
const file = join(dir, 'r.ftl');
writeFileSync(
  file,
  `import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
method top_entries() {
  freeze all
  unfreeze "blocks.0.mlp.fc.weight" mask(magnitude_mask("blocks.0.mlp.fc.weight", density: 0.02))
}
recipe r {
  model = gpt2(vocab: 64, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("${join(process.cwd(), 'examples/data/corpus.txt')}") |> tokenize("bytes") |> chunks(seq: 8) |> batch(2)
  apply top_entries()
  loss = causal_lm
  optim = sgd(lr: 0.1)
  train(steps: 1)
}
`,
);

/** Flat indices of the k largest |w|, ascending (the selection's documented rule). */
const topK = (w: Float32Array, k: number) =>
  [...w.keys()]
    .sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b)
    .slice(0, k)
    .sort((a, b) => a - b);

describe('selection reads the run seed', () => {
  for (const seed of [0, 3])
    it(`seed ${seed}: the mask is the top-|W| of that seed's initial weights`, () => {
      const c = compileAtStart(readFileSync(file, 'utf8'), file, {}, seed);
      expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const init = c.build!.initialValues(seed);
      const w = init.get('blocks.0.mlp.fc.weight')!;
      const idx = [...init.entries()].find(([k]) => k.endsWith('#mask.idx'))![1];
      expect(Array.from(idx)).toEqual(topK(w, idx.length));
    });
});
