// MobileTL (stdlib/methods/mobiletl.ftl), trainable-set part: in the top blocks the norm
// scales stay bit-identical while the shifts and weights change; blocks below and the
// embeddings do not change and the compiled backward stops in the lowest trained block
// (CPU and WebGPU). Approximate backward (stdlib/nn/mobiletl_act.ftl): the gradients of
// ReLU6 and Hard-Swish are the stated step functions (against values computed here), and
// MobileNetV2 with `approx_backward` trains under mobiletl on the CPU and on WebGPU; the
// compile report's activation bytes of the approximate and exact variants are measured;
// the plan's bool masks are bit-packed temps.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { compileReport } from '../../compiler/optimize/report.ts';
import type { PlanLimits } from '../../compiler/plan/lower.ts';
import { scheduleEarlyUpdates } from '../../compiler/optimize/schedule.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { mk } from '../../compiler/ir/node.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { call, session, valueAndGrads } from '../autodiff/custom-fns.ts';
import { freshInput } from '../cpu/util.ts';
import {
  batchFor,
  build,
  changed,
  gpuVsCpu,
  runCpu,
  runGpu,
  values,
  webgpuChangesLikeCpu,
} from './helpers.ts';

const b = build(`
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.mobiletl
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  apply mobiletl(blocks: 1)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`);

describe('mobiletl', () => {
  it('trains the top blocks without norm scales; nothing below moves', () => {
    const t = b.params.filter((p) => p.trainable).map((p) => p.name);
    expect(t.every((n) => /^blocks\.1\./.test(n) && !/ln_\d\.weight$/.test(n))).toBe(true);
    expect(t).toContain('blocks.1.ln_1.bias');
    const moved = changed(values(b, new Map(b.initialValues(0))), values(b, runCpu(b, 2).store));
    expect(moved).toEqual([...t].sort());
    const g = simplify(b.graph);
    expect(compileReport(b.graph, g, scheduleEarlyUpdates(g)).backwardStopsAt).toMatch(/^blocks\.1\./);
  });

  webgpuChangesLikeCpu('changes the same tensors as the CPU', () => b);
});

describe('mobiletl approximate backward', () => {
  // Points on both sides of every kink, the kinks themselves, and far out.
  const xs = [-7, -3.5, -3, -2.9, -1, -1e-3, 0, 1e-3, 0.5, 2.9, 3, 3.5, 5.9, 6, 6.1, 9];
  const r = xs.map((_, i) => 0.5 + ((i * 7) % 5) / 4); // the upstream gradient g
  const s = session('import std.nn.mobiletl_act');
  const x = freshInput([xs.length]);
  const gIn = freshInput([xs.length], 'f32', 'r');
  const inputs = new Map([
    [x.arg.name, Float64Array.from(xs)],
    [gIn.arg.name, Float64Array.from(r)],
  ]);
  const gradOf = (fn: string) => {
    // d/dx of sum(f(x) * r): the rule's gradient for an upstream gradient r.
    return valueAndGrads(mk('mul', [call(s, fn, [x]), gIn], null), [x], inputs).grads[0];
  };

  it('ReLU6: g where 0 < x < 6, else 0', () => {
    expect(Array.from(gradOf('relu6_masked'))).toEqual(xs.map((v, i) => (v > 0 && v < 6 ? r[i] : 0)));
  });

  it('Hard-Swish: g where x > 0, else 0 (the exact derivative differs inside [-3, 3])', () => {
    expect(Array.from(gradOf('hard_swish_step'))).toEqual(xs.map((v, i) => (v > 0 ? r[i] : 0)));
    const exact = gradOf('hard_swish');
    const hswishPrime = (v: number) => (v < -3 ? 0 : v > 3 ? 1 : (2 * v + 3) / 6);
    exact.forEach((d, i) => {
      if (Math.abs(Math.abs(xs[i]) - 3) > 1e-9) expect(d).toBeCloseTo(r[i] * hswishPrime(xs[i]), 12);
    });
  });

  const recipe = (cfg: string, image = 8) => `
import std.models.mobilenet_v2
import std.losses.classification
import std.optim.adamw
import std.methods.mobiletl
recipe r {
  model = mobilenet_v2(classes: 4, image: ${image}, width: 8, depth: 2${cfg})
  data = synthetic_classification(n: 64, dim: ${image * image * 3}, classes: 4, seed: 1) |> batch(8)
  apply mobiletl(blocks: 1, norm_scales: "norm_*.weight")
  loss = classification
  optim = adamw(lr: 1e-2)
  train(steps: 20)
}`;
  const approx = build(recipe(', act: "hard_swish", approx_backward: true'));
  const LIMITS: PlanLimits = {
    maxStorageBuffersPerShaderStage: 16,
    maxComputeWorkgroupsPerDimension: 65535,
    maxStorageBufferBindingSize: 128 << 20,
    maxBufferSize: 2 ** 31,
  };

  it('MobileNetV2 (Hard-Swish, approximate backward) under mobiletl fits a fixed batch on the CPU', () => {
    const fixed = batchFor(approx, 1);
    const { losses } = runCpu(approx, 20, undefined, () => fixed);
    expect(losses[19]).toBeLessThan(0.95 * losses[0]);
    const exact = build(recipe(', act: "hard_swish"'));
    const a = values(approx, runCpu(approx, 1, undefined, () => fixed).store);
    const e = values(exact, runCpu(exact, 1, undefined, () => fixed).store);
    // Same trainable set; the first update differs only through the approximated backward.
    expect(changed(a, e).length).toBeGreaterThan(0);
  });

  it('the compile report measures activation bytes of the exact and approximate variants', () => {
    const bytes = (cfg: string) => {
      const c = compile(recipe(cfg, 32), 'examples/inline.ftl', { limits: LIMITS, isCPU: true });
      expect(c.diagnostics).toEqual([]);
      return {
        plan: compileReport(c.trainIR!, c.graph!, c.schedule!, c.plan).bytes.activationsPeak,
        schedule: compileReport(c.trainIR!, c.graph!, c.schedule!).bytes.activationsPeak,
      };
    };
    const exact = bytes(', act: "hard_swish"');
    const mask = bytes(', act: "hard_swish", approx_backward: true');
    // Unfused (one buffer per IR node), the exact rule keeps each activation's input alive
    // into the backward and the step rule does not. Fused, the exact rule's input is
    // recomputed from the LayerNorm's normalized values (which the norm's own backward keeps),
    // so the planned arena is about the same size (measured, not asserted as a saving).
    expect(mask.schedule).toBeLessThan(exact.schedule);
    expect(mask.plan).toBeGreaterThan(0);
    expect(exact.plan).toBeGreaterThan(0);
  }, 60_000);

  it('bool masks a plan stores are 1 bit per element (32x smaller than f32)', () => {
    // examples/methods/mobiletl_cnn.ftl with the approximate backward. Fused, the plan keeps
    // no mask at all: the step is read from the activation's output, which the next
    // convolution keeps for its weight gradient. With fusion off every comparison is a
    // buffer of its own, so the masks are there to inspect: each is a packed temp.
    const file = 'examples/methods/mobiletl_cnn.ftl';
    const text = readFileSync(file, 'utf8').replace('depth: 3)', 'depth: 3, approx_backward: true)');
    const masks = (disable: Set<'fuse'>) => {
      const c = compile(text, file, { limits: LIMITS, isCPU: true, disable });
      expect(c.diagnostics).toEqual([]);
      const bools = c.plan!.buffers.filter((x) => x.dtype === 'bool' && x.role === 'temp');
      // The compile report counts them as stored 1 bit per element.
      expect(compileReport(c.trainIR!, c.graph!, c.schedule!, c.plan).stored!.packedBools.count).toBe(
        bools.filter((x) => x.byteSize < x.shape.reduce((a, y) => a * y, 4)).length,
      );
      return bools;
    };
    const unfused = masks(new Set(['fuse']));
    expect(unfused.length).toBeGreaterThan(0);
    for (const m of unfused) {
      const n = m.shape.reduce((a, x) => a * x, 1);
      expect(m.byteSize).toBe(Math.max(4, Math.ceil(n / 32) * 4));
      if (n >= 32) expect(n * 4).toBeGreaterThanOrEqual(32 * m.byteSize);
    }
    expect(masks(new Set())).toEqual([]);
  }, 60_000);

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('trains like the CPU (losses within 1e-4 over 3 steps, same tensors change)', async () => {
      const g = await runGpu(h, approx, 3);
      const c = runCpu(approx, 3);
      g.losses.forEach((l, i) =>
        expect(Math.abs(l - c.losses[i])).toBeLessThan(1e-4 * Math.abs(c.losses[i])),
      );
      const before = values(approx, new Map(approx.initialValues(0)));
      expect(changed(before, values(approx, g.store))).toEqual(changed(before, values(approx, c.store)));
    }, 120_000);
  });
});
