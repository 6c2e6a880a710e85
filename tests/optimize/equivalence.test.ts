// Issue 6's contract: every optimization pass preserves the training step. With all passes
// on and all off (simplify, fuse, reorder, plan), 10 steps give the same losses and the same
// parameters, on the CPU executor and on WebGPU, for full fine-tuning, LoRA on q and v,
// bias-only and a sparse update of the last two blocks. And for LoRA on q,v the compiled
// training graph has no weight gradient for any frozen weight and no input gradient below
// the first block's attention.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, PASSES } from '../../compiler/compile.ts';
import { toposort } from '../../compiler/ir/graph.ts';
import { compileReport } from '../../compiler/optimize/report.ts';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import { runRecipe, type RunResult } from '../../runtime/train/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'ftl-equiv-'));
const corpus = resolve('examples/data/corpus.txt');
// Dimensions chosen so no activation shape equals a weight shape: B*T = 48, d = 20, 4d = 80.
const recipe = (name: string, imports: string, apply: string, optim = 'adamw(lr: 3e-3)') => {
  const file = join(dir, `${name}-${optim.slice(0, 3)}.ftl`);
  writeFileSync(
    file,
    `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.optim.sgd
${imports}
recipe r_${name} {
  model = gpt2(vocab: 256, ctx: 12, d: 20, heads: 2, layers: 3)
  data = text("${corpus}") |> tokenize("bytes") |> chunks(seq: 12) |> batch(4)
  ${apply}
  loss = causal_lm
  optim = ${optim}
  train(steps: 10, log_every: 1)
}
`,
  );
  return file;
};

const SGD = 'sgd(lr: 0.05, momentum: 0.9)';
const cases = (optim?: string) => ({
  full: recipe('full', '', '', optim),
  lora: recipe('lora', 'import std.methods.lora', 'apply lora(r: 4, targets: "blocks.*.attn.{q,v}")', optim),
  bias: recipe('bias', 'import std.methods.bitfit', 'apply bitfit()', optim),
  sparse: recipe(
    'sparse',
    'import std.methods.sparse_update',
    'apply sparse_update(layers: 2, ratio: 0.5)',
    optim,
  ),
});
const CASES = cases();
const SGD_CASES = cases(SGD);
const ALL_OFF = new Set(PASSES);

function expectSameRun(a: RunResult, b: RunResult, tol: number) {
  expect(a.ok && b.ok, JSON.stringify([...a.diagnostics, ...b.diagnostics])).toBe(true);
  a.loop!.losses.forEach(([s, l], i) => {
    expect(b.loop!.losses[i][0]).toBe(s);
    expect(Math.abs(b.loop!.losses[i][1] - l)).toBeLessThanOrEqual(tol * Math.abs(l));
  });
  // Per tensor: the largest difference relative to the tensor's largest magnitude (an
  // element-wise ratio is meaningless for entries near zero). The floor covers tensors whose
  // exact gradient is 0, like attention key biases (softmax ignores a per-row constant):
  // they hold rounding noise of ~1e-12.
  let worst = 0;
  for (const [name, v] of a.params!) {
    const w = b.params!.get(name)!;
    expect(w.length, name).toBe(v.length);
    let diff = 0;
    let scale = 1e-6;
    for (let i = 0; i < v.length; i++) {
      diff = Math.max(diff, Math.abs(v[i] - w[i]));
      scale = Math.max(scale, Math.abs(v[i]));
    }
    worst = Math.max(worst, diff / scale);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('optimized and unoptimized plans train identically', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    const r = await acquireDevice();
    if (isDeviceError(r)) throw new Error(`${r.error} ${r.fix}`);
    h = r;
  });
  afterAll(() => h?.destroy());

  for (const [name, file] of Object.entries(CASES))
    it(`${name}: CPU, AdamW, all passes on vs off, 10 steps`, async () => {
      const on = await runRecipe(file, { device: 'cpu' });
      const off = await runRecipe(file, { device: 'cpu', disable: ALL_OFF });
      expectSameRun(on, off, 1e-5);
    });
  // On WebGPU, fusion changes the float rounding (a fused a*b+c may become one FMA; unfused,
  // a*b is rounded to memory first). SGD keeps those ~1e-7 differences ~1e-7; AdamW's early
  // steps are ~lr*sign(g), which turns a rounding flip of a near-zero gradient into a whole
  // lr step, so its parameters are compared with SGD and its losses below.
  for (const [name, file] of Object.entries(SGD_CASES))
    it(`${name}: WebGPU, SGD with momentum, all passes on vs off, 10 steps`, async () => {
      const on = await runRecipe(file, { device: 'webgpu', handle: h });
      const off = await runRecipe(file, { device: 'webgpu', handle: h, disable: ALL_OFF });
      expect(on.dispatchesPerStep!).toBeLessThan(off.dispatchesPerStep! / 4);
      expectSameRun(on, off, 1e-5);
    });
  it('full: WebGPU, AdamW, all passes on vs off: losses within 1e-4 over 10 steps', async () => {
    const on = await runRecipe(CASES.full, { device: 'webgpu', handle: h });
    const off = await runRecipe(CASES.full, { device: 'webgpu', handle: h, disable: ALL_OFF });
    on.loop!.losses.forEach(([, l], i) =>
      expect(Math.abs(off.loop!.losses[i][1] - l)).toBeLessThan(1e-4 * l),
    );
  });
});

describe('LoRA on q,v prunes the backward', () => {
  const c = compile(readFileSync(CASES.lora, 'utf8'), CASES.lora, {});
  const g = c.graph!;
  const nodes = toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]);
  const updated = new Set(g.updates.map((u) => u.target));
  const frozen = nodes.filter((n) => n.op === 'param' && !updated.has(n as never) && n.shape.length === 2);

  it('computes no weight gradient for any frozen weight', () => {
    expect(frozen.length).toBeGreaterThan(10);
    const shapes = new Set(frozen.flatMap((w) => [w.shape.join('x'), [...w.shape].reverse().join('x')]));
    const weightShaped = nodes.filter((n) => n.op === 'matmul' && shapes.has(n.shape.join('x')));
    // The only matmuls with a weight's shape are LoRA's own B·A products, never a frozen weight's gradient.
    expect(weightShaped.map((n) => n.shape.join('x'))).toEqual([]);
  });

  it('stops the backward at the first block: no embedding gradient, backward stops at blocks.0', () => {
    expect(nodes.filter((n) => n.op === 'scatter_add')).toEqual([]);
    const r = compileReport(c.trainIR!, g, c.schedule!);
    expect(r.backwardStopsAt).toMatch(/^blocks\.0\.attn\.[qv]\.lora_/);
    expect(r.params.frozen).toContain('wte.weight');
  });
});
