// A run's output folder holds the whole model even when the training graph never reads some
// frozen weights (Locret's step uses the attention inputs only: no o-projection, MLP or head),
// so `ftl export` of such a run works and writes those weights unchanged from the start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { leavesOf } from '../../compiler/ir/graph.ts';
import { readSafetensors } from '../../runtime/checkpoint/safetensors.ts';
import { exportRun } from '../../runtime/export/export-run.ts';
import { runRecipe } from '../../runtime/train/run.ts';

it('saves and exports frozen weights the step never reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-unused-'));
  const file = join(dir, 'locret.ftl');
  const corpus = join(process.cwd(), 'examples/data/corpus.txt');
  writeFileSync(
    file,
    `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locret
recipe r {
  model = gpt2(vocab: 256, ctx: 16, d: 16, heads: 2, layers: 1)
  data = text("${corpus}") |> tokenize("bytes") |> chunks(seq: 16) |> batch(2)
  apply locret(hidden: 8)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}
`,
  );
  const out = join(dir, 'run');
  const r = await runRecipe(file, { device: 'cpu', out });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  const unused = 'blocks.0.mlp.fc.weight';
  expect(leavesOf(r.compiled!.graph!, 'param').map((p) => p.arg.name)).not.toContain(unused);
  const saved = readSafetensors(join(out, 'model.safetensors'));
  if (!saved.ok) throw new Error(JSON.stringify(saved.diagnostics));
  // Unchanged from the recipe's initial value (seed 0).
  const init = r.compiled!.build!.initialValues(0).get(unused)!;
  expect(Array.from(saved.value.tensors[unused].data as Float32Array)).toEqual(Array.from(init));
  const ex = exportRun(out, join(dir, 'hf'));
  expect(ex.ok, JSON.stringify(ex)).toBe(true);
});
