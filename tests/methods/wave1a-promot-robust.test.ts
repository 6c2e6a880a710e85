// ProMoT (stdlib/methods/promot.ftl) and the phrasing-robust soft prompt
// (stdlib/methods/robust_prompt.ftl). ProMoT: stage 1 changes only the prompt, stage 2
// leaves the prompt bit-identical and changes the model; the prompt gradient matches
// central finite differences of the loss; a two-stage `runRecipe` keeps "model + prompt"
// (the stage's checkpoint holds the trained prompt) and `exportRun` writes "model" (the
// same trained base tensors, no prompt). Robust prompt: only the prompt changes, and
// training on paraphrase pairs cuts the distance between their final representations by
// more than half. Both train on WebGPU like on the CPU.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../runtime/checkpoint/safetensors.ts';
import { exportRun } from '../../runtime/export/export-run.ts';
import { runRecipe } from '../../runtime/train/run.ts';
import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import {
  batchInputs,
  gpuStepMatchesCpu,
  inputs,
  maxAbsDiff,
  tiny,
  train,
  trainableNames,
  type Store,
} from './wave1a-helpers.ts';

const P = 3;
const PROMPT = 'blocks.0.soft_prompt';
const promot = (optim = '') =>
  tiny('', {
    imports: ['prompt_tuning', 'promot'],
    extra: `${optim}\n  stage prompt { apply prompt_tuning(length: ${P}); train(steps: 3) }\n  stage tune { apply promot_model_tuning; train(steps: 3) }`,
  });
const build = (text: string, stage?: string) =>
  buildTrainingGraph(
    { file: 'examples/inline.ftl', program: parse(text, 'x').ast },
    { parse, stage },
  ) as TrainingBuild;

describe('promot', () => {
  it('stage 1 trains only the prompt, stage 2 only the model', () => {
    const s1 = build(promot(), 'prompt');
    expect(trainableNames(s1)).toEqual([PROMPT]);
    const store: Store = s1.initialValues(0);
    const p0 = new Map(store);
    for (let s = 1; s <= 3; s++) step(s1.graph, store, batchInputs(4, 8, s, s));
    for (const [k, v] of p0)
      if (!k.includes(':')) {
        if (k === PROMPT) expect(maxAbsDiff(store.get(k)!, v)).toBeGreaterThan(0);
        else expect(store.get(k)).toEqual(v);
      }
    const s2 = build(promot(), 'tune');
    expect(trainableNames(s2)).not.toContain(PROMPT);
    const st2: Store = new Map(s2.initialValues(0));
    for (const k of st2.keys()) if (store.has(k)) st2.set(k, store.get(k)!);
    const q = st2.get('blocks.0.attn.q.weight')!.slice();
    const prompt = st2.get(PROMPT)!.slice();
    for (let s = 4; s <= 6; s++) step(s2.graph, st2, batchInputs(4, 8, s, s));
    expect(st2.get(PROMPT)).toEqual(prompt);
    expect(maxAbsDiff(st2.get('blocks.0.attn.q.weight')!, q)).toBeGreaterThan(0);
  });

  it('the prompt gradient matches central finite differences to 1e-3', () => {
    // Plain SGD with lr 1: the update is p - g, so g = p - p'.
    const b = build(
      promot('optim = sgd(lr: 1.0)').replace(
        'import std.optim.adamw',
        'import std.optim.adamw\nimport std.optim.sgd',
      ),
      'prompt',
    );
    const store: Store = b.initialValues(0);
    const inp = batchInputs(4, 8, 1, 1);
    const p0 = store.get(PROMPT)! as Float32Array;
    const res = evaluate(b.graph, { params: store as Map<string, TypedArray>, inputs: inp });
    const g = Float32Array.from(res.updates.get(PROMPT)!, (v, i) => p0[i] - v);
    const lossAt = (p: Float32Array) => {
      const s = new Map(store as Map<string, TypedArray>);
      s.set(PROMPT, p);
      return Number(evaluate(b.graph, { params: s, inputs: inp }).outputs.loss[0]);
    };
    const eps = 1e-2;
    for (const i of [0, 5, 17, 40]) {
      const up = Float32Array.from(p0);
      const dn = Float32Array.from(p0);
      up[i] += eps;
      dn[i] -= eps;
      const fd = (lossAt(up) - lossAt(dn)) / (2 * eps);
      expect(Math.abs(fd - g[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(g[i])) + 2e-4);
    }
  });
});

describe('promot exports', () => {
  it('the run keeps "model + prompt"; the export is "model" without the prompt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-promot-'));
    const file = join(dir, 'promot.ftl');
    const corpus = join(process.cwd(), 'examples/data/corpus.txt');
    writeFileSync(
      file,
      `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.prompt_tuning
import std.methods.promot
recipe r {
  model = gpt2(vocab: 256, ctx: 16, d: 16, heads: 2, layers: 1)
  data = text("${corpus}") |> tokenize("bytes") |> chunks(seq: 8) |> batch(2)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  stage prompt { apply prompt_tuning(length: ${P}); train(steps: 2) }
  stage tune { apply promot_model_tuning; train(steps: 2) }
}
`,
    );
    const out = join(dir, 'run');
    const r = await runRecipe(file, { device: 'cpu', out });
    expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
    const read = (f: string) => {
      const t = readSafetensors(f);
      if (!t.ok) throw new Error(JSON.stringify(t.diagnostics));
      return t.value.tensors;
    };
    const s1 = read(join(out, 'prompt', 'model.safetensors'));
    const s2 = read(join(out, 'tune', 'model.safetensors'));
    // "model + prompt": stage 2's checkpoint holds the prompt stage 1 trained, unchanged.
    expect(Array.from(s2[PROMPT].data as Float32Array)).toEqual(Array.from(s1[PROMPT].data as Float32Array));
    const wte = (t: typeof s2) => Array.from(t['wte.weight'].data as Float32Array);
    expect(wte(s2)).not.toEqual(wte(s1)); // stage 2 trained the model
    // "model": the exported folder has the tuned base tensors and nothing of the prompt.
    const ex = exportRun(join(out, 'tune'), join(dir, 'hf'));
    expect(ex.ok, JSON.stringify(ex)).toBe(true);
    const hf = read(join(dir, 'hf', 'model.safetensors'));
    expect(Object.keys(hf).filter((k) => k.includes('prompt'))).toEqual([]);
    // minus the prompt, and q, k, v weights and biases fused into c_attn's two tensors
    expect(Object.keys(hf).length).toBe(Object.keys(s2).length - 1 - 4);
    expect(wte(hf)).toEqual(wte(s2));
    // HF's Conv1D c_fc is fc.weight transposed: [in, out] vs ftl's [out, in] = [64, 16].
    const fc = s2['blocks.0.mlp.fc.weight'].data as Float32Array;
    const cfc = hf['h.0.mlp.c_fc.weight'].data as Float32Array;
    expect(Array.from(cfc)).toEqual(
      Array.from({ length: 16 * 64 }, (_, i) => fc[(i % 64) * 16 + Math.floor(i / 64)]),
    );
  });
});

describe('robust_prompt', () => {
  it('only the prompt trains; paraphrase representations get > 50% closer', () => {
    // loss = pair distance only (task weight 0), so the loss output is the distance.
    const b = train(
      tiny('apply robust_prompt(length: 4, weight: 1.0, task_weight: 0.0)', {
        imports: ['robust_prompt'],
        extra: '',
      }).replace('adamw(lr: 1e-2)', 'adamw(lr: 1e-1)'),
    );
    expect(trainableNames(b)).toEqual([PROMPT]);
    // Rows (0, 1) and (2, 3): the same "instruction" in two phrasings (different tokens).
    const tokens = Int32Array.from([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 2, 1, 10, 6, 8, 7, 11, 12, 13, 4, 4, 5, 6, 2, 14, 13, 12, 5, 4, 6, 5, 3,
    ]);
    const inp = (s: number) => inputs(tokens, undefined, s);
    const store: Store = b.initialValues(0);
    // A "pretrained" stand-in with O(1) attention weights (std 0.02 * 25 = 0.5), so the
    // prompt can steer what every position attends to.
    for (const k of store.keys())
      if (/attn\.[qkvo]\.weight$/.test(k))
        store.set(
          k,
          Float32Array.from(store.get(k)!, (v) => v * 25),
        );
    const before = new Map(store);
    const d0 = Number(
      evaluate(b.graph, { params: store as Map<string, TypedArray>, inputs: inp(1) }).outputs.loss[0],
    );
    for (let s = 1; s <= 60; s++) step(b.graph, store, inp(s));
    const d1 = Number(
      evaluate(b.graph, { params: store as Map<string, TypedArray>, inputs: inp(61) }).outputs.loss[0],
    );
    expect(d0).toBeGreaterThan(0);
    expect(d1).toBeLessThan(0.5 * d0);
    for (const [k, v] of before) if (!k.includes(':') && k !== PROMPT) expect(store.get(k)).toEqual(v);
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('promot: a stage-2 training step (prompt attached, frozen) equals the CPU executor', async () => {
    // SGD: Adam's first step divides by |g|, so near-zero gradients of a full fine-tuning
    // would compare rounding noise (the same choice as the finite-difference check above).
    const sgd = promot('optim = sgd(lr: 0.1)').replace(
      'import std.optim.adamw',
      'import std.optim.adamw\nimport std.optim.sgd',
    );
    await gpuStepMatchesCpu(h, build(sgd, 'tune'), batchInputs(4, 8, 4)); // SGD reads no step
  });
  it('robust_prompt: a training step equals the CPU executor', async () => {
    const b = train(tiny('apply robust_prompt(length: 2)', { imports: ['robust_prompt'], layers: 1 }));
    await gpuStepMatchesCpu(h, b, batchInputs(4, 8, 4, 1));
  });
});
