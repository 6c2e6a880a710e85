// `--no-opt prune` and the report's full fine-tuning baseline.
// Pruning is not a rewrite (autodiff never builds the pruned branches), so switching it off
// asks the builder for every parameter's gradient, frozen ones included: the plan then has
// the weight-gradient matmuls and the embedding scatter a tape computes, training is
// unchanged, and `fullBaseline` measures what a method removes against full fine-tuning.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { toposort, type Graph } from '../../compiler/ir/graph.ts';
import type { Node } from '../../compiler/ir/node.ts';
import { fullBaseline } from '../../compiler/optimize/baseline.ts';
import { compileReport } from '../../compiler/optimize/report.ts';
import { runRecipe } from '../../runtime/train/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'ftl-prune-'));
const corpus = resolve('examples/data/corpus.txt');
const write = (name: string, imports: string, apply: string) => {
  const file = join(dir, `${name}.ftl`);
  writeFileSync(
    file,
    `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
${imports}
recipe r {
  model = gpt2(vocab: 256, ctx: 12, d: 20, heads: 2, layers: 2)
  data = text("${corpus}") |> tokenize("bytes") |> chunks(seq: 12) |> batch(4)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 3e-3)
  train(steps: 6, log_every: 1)
}
`,
  );
  return file;
};
const lora = write('lora', 'import std.methods.lora', 'apply lora(r: 4, targets: "blocks.*.attn.{q,v}")');
const full = write('full', '', '');

const nodesOf = (g: Graph): Node[] =>
  toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]);
const build = (file: string, disable: string[] = []) => {
  const c = compile(readFileSync(file, 'utf8'), file, { disable: new Set(disable as never[]) });
  expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return c;
};

describe('--no-opt prune', () => {
  const on = build(lora).graph!;
  const off = build(lora, ['prune']).graph!;
  const frozenWeights = nodesOf(on).filter(
    (n) => n.op === 'param' && n.shape.length === 2 && !on.updates.some((u) => u.target === n),
  );

  it('computes every frozen weight gradient, which the pruned graph does not', () => {
    expect(frozenWeights.length).toBeGreaterThan(8);
    const names = Object.keys(off.outputs).filter((k) => k.startsWith('grad:'));
    for (const w of frozenWeights) expect(names).toContain(`grad:${(w as Node<'param'>).arg.name}`);
    expect(Object.keys(on.outputs).filter((k) => k.startsWith('grad:'))).toEqual([]);
    // The embedding's gradient is a scatter over the token ids: only the unpruned graph has it.
    expect(nodesOf(on).some((n) => n.op === 'scatter_add')).toBe(false);
    expect(nodesOf(off).some((n) => n.op === 'scatter_add')).toBe(true);
    const flops = (g: Graph) => compileReport(g, g, build(lora).schedule!).flops;
    expect(flops(off).backward).toBeGreaterThan(1.5 * flops(on).backward);
    expect(flops(off).forward).toBe(flops(on).forward);
  });

  it('trains identically: the extra gradients feed nothing (CPU, 6 steps)', async () => {
    const a = await runRecipe(lora, { device: 'cpu' });
    const b = await runRecipe(lora, { device: 'cpu', disable: new Set(['prune']) });
    expect(a.ok && b.ok).toBe(true);
    expect(b.loop!.losses).toEqual(a.loop!.losses);
    for (const [name, v] of a.params!) expect(Array.from(b.params!.get(name)!), name).toEqual(Array.from(v));
  });
});

describe('report: versus full fine-tuning', () => {
  const c = build(lora);
  const v = fullBaseline(readFileSync(lora, 'utf8'), lora, c)!;
  const f = build(full);
  const fr = compileReport(f.trainIR!, f.graph!, f.schedule!);
  const mr = compileReport(c.trainIR!, c.graph!, c.schedule!);

  it('the baseline is the recipe without its methods: the same as a hand-written full FT recipe', () => {
    expect(v.backwardFlops.full).toBe(fr.flops.backward);
    expect(v.optimizerState.full).toBe(fr.bytes.optimizerState);
    expect(v.gradients.full).toBe(fr.bytes.gradients);
  });

  it("the method's side is the method's own report: LoRA keeps 2 AdamW moments of its factors only", () => {
    expect(v.backwardFlops.method).toBe(mr.flops.backward);
    expect(v.optimizerState.method).toBe(2 * mr.bytes.trainableParams);
    expect(v.optimizerState.method).toBeLessThan(v.optimizerState.full / 10);
    expect(v.backwardFlops.method).toBeLessThan(v.backwardFlops.full);
  });

  it('is absent for a recipe that applies no method', () => {
    expect(fullBaseline(readFileSync(full, 'utf8'), full, f)).toBeUndefined();
  });
});
