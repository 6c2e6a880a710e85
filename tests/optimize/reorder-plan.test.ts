// Update reordering on the Plan: commits move up to just after the last reader of the old
// value, update kernels run right after their gradients, the step computes exactly what the
// end-of-step commits compute (on WebGPU), and a parameter-heavy model needs a smaller arena.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type Pass } from '../../compiler/compile.ts';
import type { PlanLimits } from '../../compiler/plan/lower.ts';
import type { Plan } from '../../compiler/plan/plan.ts';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import { runRecipe } from '../../runtime/train/run.ts';

const LIMITS: PlanLimits = {
  maxStorageBuffersPerShaderStage: 16,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 128 << 20,
  maxBufferSize: 2 ** 31,
};

// Batch 1, short sequences, wide layers: parameters and their updates dominate activations.
const dir = mkdtempSync(join(tmpdir(), 'ftl-reorder-'));
const PARAM_HEAVY = join(dir, 'param-heavy.ftl');
writeFileSync(
  PARAM_HEAVY,
  `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
recipe param_heavy {
  model = gpt2(vocab: 256, ctx: 16, d: 64, heads: 4, layers: 3)
  data = text("${resolve('examples/data/corpus.txt')}") |> tokenize("bytes") |> chunks(seq: 16) |> batch(1)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 3, log_every: 1)
}
`,
);

const planOf = (file: string, off: Pass[] = []): Plan => {
  const c = compile(readFileSync(file, 'utf8'), file, { limits: LIMITS, isCPU: true, disable: new Set(off) });
  expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return c.plan!;
};

describe('update reordering in the plan', () => {
  it('commits each update after every reader of the old value and before the end of the step', () => {
    const plan = planOf(PARAM_HEAVY);
    const reads = (i: number, buffer: number) => {
      const s = plan.step[i];
      return s.op === 'dispatch' && plan.kernels[s.kernel].bindings.some((b) => b.buffer === buffer);
    };
    const copies = plan.step.map((s, i) => [s, i] as const).filter(([s]) => s.op === 'copy');
    expect(copies.length).toBeGreaterThan(0);
    for (const [c, i] of copies) {
      if (c.op !== 'copy') continue;
      for (let j = i + 1; j < plan.step.length; j++)
        expect(reads(j, c.dst), `step ${j} reads a committed buffer`).toBe(false);
    }
    // Hoisted: the first commit happens well before the last dispatch.
    const lastDispatch = plan.step.map((s) => s.op).lastIndexOf('dispatch');
    expect(copies[0][1]).toBeLessThan(lastDispatch / 2);
  });

  it('shrinks the temporaries of a parameter-heavy model', () => {
    const early = planOf(PARAM_HEAVY);
    const late = planOf(PARAM_HEAVY, ['reorder']);
    const arena = (p: Plan) => p.arenas?.[0]?.byteSize ?? 0;
    console.log(
      `[reorder] arena ${(arena(early) / 1024).toFixed(0)} KiB with reordering, ${(arena(late) / 1024).toFixed(0)} KiB without`,
    );
    expect(arena(early)).toBeLessThan(0.6 * arena(late));
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => {
      const r = await acquireDevice();
      if (isDeviceError(r)) throw new Error(`${r.error} ${r.fix}`);
      h = r;
    });
    afterAll(() => h?.destroy());

    for (const file of [PARAM_HEAVY, 'examples/tiny-gpt.ftl'])
      it(`trains ${file.split('/').pop()} to the same losses and weights with and without reordering`, async () => {
        const run = (off: Pass[]) =>
          runRecipe(file, { device: 'webgpu', handle: h, steps: 3, logEvery: 1, disable: new Set(off) });
        const [a, b] = [await run([]), await run(['reorder'])];
        expect(a.ok && b.ok, JSON.stringify([...a.diagnostics, ...b.diagnostics])).toBe(true);
        expect(a.loop!.losses).toEqual(b.loop!.losses);
        for (const [name, v] of a.params!)
          expect(Array.from(v), name).toEqual(Array.from(b.params!.get(name)!));
      });
  });
});
