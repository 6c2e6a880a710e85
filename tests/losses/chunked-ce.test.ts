// stdlib/losses/chunked_ce.ftl: the chunked causal-LM loss (custom backward recomputing
// logits block by block) equals the plain `causal_lm` (builtin cross_entropy) in loss and in
// every parameter gradient: CPU in f64 within 1e-9, WebGPU within 1e-4, on a tiny GPT-2
// with vocab 509 and chunks that divide neither the 14 rows nor the vocabulary. The compile
// report's activation bytes for a vocab-heavy config are lower than the plain loss's.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { compileReport } from '../../compiler/optimize/report.ts';
import type { PlanLimits } from '../../compiler/plan/lower.ts';
import { lowerToPlan } from '../../compiler/plan/lower.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { build } from '../methods/helpers.ts';
import { gpu } from '../webgpu/harness.ts';

const V = 509;
const recipe = (loss: string, vocab = V, seq = 8, rows = 2, d = 16) => `
import std.models.gpt2
import std.losses.causal_lm
import std.losses.chunked_ce
import std.optim.sgd
recipe r {
  model = gpt2(vocab: ${vocab}, ctx: ${seq}, d: ${d}, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: ${seq}) |> batch(${rows})
  loss = ${loss}
  optim = sgd(lr: 1.0)
  train(steps: 1)
}`;

/** Tokens spread over the whole vocabulary; a few positions masked out. */
function feed(b: TrainingBuild): Map<string, TypedArray> {
  const [B, T] = b.dataSpec.fields.find((f) => f.name === 'tokens')!.shape;
  return new Map<string, TypedArray>([
    ['tokens', Int32Array.from({ length: B * T }, (_, i) => (i * 197 + 31 * ((i * i) % 7)) % V)],
    ['loss_mask', Float32Array.from({ length: B * T }, (_, i) => (i % 5 === 3 ? 0 : 1))],
    ['step', Int32Array.of(1)],
  ]);
}

/** Loss and each parameter's gradient (SGD's `buf` state is set to the gradient). */
function lossAndGrads(b: TrainingBuild, precision: 'f32' | 'f64') {
  const params = new Map(b.initialValues(0));
  const r = evaluate(b.graph, { params, inputs: feed(b) }, { precision });
  const grads = new Map<string, TypedArray>();
  for (const p of b.params) if (p.role === 'state') grads.set(p.param, r.updates.get(p.name)!);
  return { loss: r.outputs.loss[0], grads };
}

const maxGap = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('chunked causal-LM loss', () => {
  const plain = build(recipe('causal_lm'));
  // chunk 2: 7 row chunks and vocabulary blocks, more than one concat may bind (concat_rows).
  const variants = [
    'chunked_causal_lm(chunk: 4)',
    'chunked_causal_lm(chunk: 5)',
    'chunked_causal_lm(chunk: 2)',
  ];

  for (const v of variants)
    it(`${v}: loss and every gradient equal causal_lm's (CPU, f64)`, () => {
      const want = lossAndGrads(plain, 'f64');
      const got = lossAndGrads(build(recipe(v)), 'f64');
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-9);
      expect([...got.grads.keys()].sort()).toEqual([...want.grads.keys()].sort());
      for (const [k, g] of want.grads) {
        expect(maxGap(got.grads.get(k)!, g), k).toBeLessThan(1e-9);
        expect(Math.max(...Array.from(g, Math.abs)), k).toBeGreaterThan(0); // every gradient is live
      }
    });

  it('llama (untied lm_head, hidden_at "norm"): loss and every gradient equal those of causal_lm (CPU, f64)', () => {
    const llama = (loss: string) =>
      recipe(loss)
        .replace(
          'gpt2(vocab: 509, ctx: 8, d: 16, heads: 2, layers: 1)',
          'llama(vocab: 509, d: 16, heads: 2, kv_heads: 1, n_layers: 1, hidden: 32)',
        )
        .replace('std.models.gpt2', 'std.models.llama');
    const want = lossAndGrads(build(llama('causal_lm')), 'f64');
    const got = lossAndGrads(
      build(llama('chunked_causal_lm(chunk: 6, hidden_at: "norm", head: (m) => m.lm_head.weight)')),
      'f64',
    );
    expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-9);
    for (const [k, g] of want.grads) expect(maxGap(got.grads.get(k)!, g), k).toBeLessThan(1e-9);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('one SGD step (lr 1) moves every parameter as the CPU plain loss does, within 1e-4', async () => {
      const b = build(recipe(variants[1]));
      const plan = lowerToPlan(simplify(b.graph), h.limits, { isCPU: h.isCPU });
      const ex = await WebGPUExecutor.load(plan, h.device);
      const init = new Map(b.initialValues(0));
      for (const p of plan.params) ex.setParam(p.name, init.get(p.name)!);
      for (const [k, v] of feed(b))
        if (plan.inputs.some((x) => x.name === k)) ex.setInput(k, v as Float32Array);
      await ex.step();
      const loss = (await ex.readOutputs(['loss'])).loss[0];
      const want = lossAndGrads(plain, 'f32');
      expect(Math.abs(loss - want.loss)).toBeLessThan(1e-4);
      for (const p of plan.params.filter((q) => q.role === 'param')) {
        const after = await ex.getParam(p.name);
        const moved = Array.from(after, (x, i) => init.get(p.name)![i] - x); // = the gradient
        expect(maxGap(moved, want.grads.get(p.name)!), p.name).toBeLessThan(1e-4);
      }
      ex.destroy();
    }, 120_000);
  });

  it('a vocab-heavy config (V 8192, d 64, 512 rows) plans fewer activation bytes', () => {
    // WebGPU's default limits (8 storage buffers per kernel), as `ftl compile --report --target default`.
    const LIMITS: PlanLimits = {
      maxStorageBuffersPerShaderStage: 8,
      maxComputeWorkgroupsPerDimension: 65535,
      maxStorageBufferBindingSize: 128 << 20,
      maxBufferSize: 256 << 20,
    };
    const peak = (loss: string) => {
      const c = compile(recipe(loss, 8192, 65, 8, 64), 'examples/inline.ftl', {
        limits: LIMITS,
        isCPU: true,
      });
      expect(c.diagnostics).toEqual([]);
      return compileReport(c.trainIR!, c.graph!, c.schedule!, c.plan).bytes.activationsPeak;
    };
    const full = peak('causal_lm');
    // The [512, 8192] f32 logits alone are 16 MiB; the chunked loss never holds them.
    expect(full).toBeGreaterThan(16 * 2 ** 20);
    expect(peak('chunked_causal_lm(chunk: 128)')).toBeLessThan(full / 3);
    expect(peak('chunked_causal_lm(chunk: 32)')).toBeLessThan(full / 3); // 16 chunks: concat trees
  }, 60_000);
});
