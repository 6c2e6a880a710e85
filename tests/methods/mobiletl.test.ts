// MobileTL (stdlib/methods/mobiletl.ftl), trainable-set part: in the top blocks the norm
// scales stay bit-identical while the shifts and weights change; blocks below and the
// embeddings do not change and the compiled backward stops in the lowest trained block
// (CPU and WebGPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileReport } from '../../compiler/optimize/report.ts';
import { scheduleEarlyUpdates } from '../../compiler/optimize/schedule.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { build, changed, gpuVsCpu, runCpu, values } from './helpers.ts';

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

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('changes the same tensors as the CPU', async () => {
      const r = await gpuVsCpu(h, b, 2);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(
        b.params
          .filter((p) => p.trainable)
          .map((p) => p.name)
          .sort(),
      );
    }, 60_000);
  });
});
