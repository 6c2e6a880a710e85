// The bench's LT-SFT row (bench/methods-run.ts): phase 2 is compiled by bench/systems/ftl.ts
// compileStage with phase 1's weights, and trained from the initial values the bench's full
// fine-tuning (`gpt` row) starts from. Checked here without a device, on the bench's own
// recipes: theta1 = that full-FT initialisation (theta0) with a chosen k entries of each
// targeted tensor moved by 1e-3 and every other entry equal. If the selection's theta0 were
// not the bench's theta0, every entry would differ by init noise (std 0.02) and the mask
// would not be the chosen entries; with it, the mask is exactly them.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { METHOD_ROWS, methodNotes, methodWorkloads, type MethodResult } from '../../bench/methods.ts';
import { phase1Note } from '../../bench/methods-run.ts';
import { recordMarkdown } from '../../bench/markdown.ts';
import type { BenchRecord } from '../../bench/report.ts';
import { compileStage } from '../../bench/systems/ftl.ts';
import { recipeFor } from '../../bench/systems/ftl-recipes.ts';
import { workloads } from '../../bench/workloads.ts';

const gpt = workloads(true).find((w) => w.name === 'gpt')!;
const row = METHOD_ROWS.find((r) => r.name === 'm-lt-sft')!;
const lt = methodWorkloads(gpt, true, [row])[0];
const data = '/tmp/ftl-bench-test-corpus.bin';
const compiler = { compile };

describe('bench LT-SFT row', () => {
  it('phase 2 masks the entries phase 1 moved and starts from the full-FT theta0', async () => {
    const full = compile(recipeFor(gpt, data), '/tmp/bench_gpt.ftl');
    const theta0 = full.build!.initialValues(0) as Map<string, Float32Array>;
    // The targets of the row's `apply`: every weight matrix of attn and mlp.
    const targets = [...theta0.keys()].filter((n) => /^blocks\.\d+\.(attn|mlp)\.\w+\.weight$/.test(n));
    expect(targets.length).toBe(2 * 6);
    const chosen = new Map<string, number[]>();
    const theta1 = new Map(theta0);
    for (const n of targets) {
      const w = Float32Array.from(theta0.get(n)!);
      const k = Math.round(0.05 * w.length); // density 0.05 of the row's `apply`
      const idx = Array.from({ length: k }, (_, j) => (j * 7919) % w.length).sort((a, b) => a - b);
      expect(new Set(idx).size).toBe(k);
      for (const i of idx) w[i] += 1e-3;
      theta1.set(n, w);
      chosen.set(n, idx);
    }

    const res = await compileStage(compiler, recipeFor(lt, data), '/tmp/bench_m_lt_sft.ftl', {}, theta1);
    if (typeof res === 'string') throw new Error(res);
    expect(res.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const init = res.build!.initialValues!(0);
    for (const n of targets) {
      expect(Array.from(init.get(`${n}#mask.idx`)!), n).toEqual(chosen.get(n));
      // Phase 2 trains from theta0: the frozen base is theta0 itself, the deltas start at 0.
      expect(init.get(n), n).toEqual(theta0.get(n));
    }
  });

  it('without phase 1 weights the row cannot compile (the old FTL0406)', async () => {
    const res = await compileStage(compiler, recipeFor(lt, data), '/tmp/bench_m_lt_sft.ftl', {});
    if (typeof res === 'string') throw new Error(res);
    expect(res.diagnostics.find((d) => d.severity === 'error')?.code).toBe('FTL0406');
  });

  it("the row's note says where theta1 came from", () => {
    const note = phase1Note({ values: new Map(), steps: 7, from: 'the `gpt` row of this run' });
    const m = { workload: lt.name, system: 'ftl', role: 'ftl', status: 'ok' } as const;
    const rs: MethodResult[] = [{ row, measurement: m, note }];
    expect(methodNotes(rs)).toEqual([`* lt_sft: ${note}`]);
    expect(note).toContain('after 7 steps from theta0 (the `gpt` row of this run)');
    const rec: BenchRecord = {
      date: '2026-11-22T00:00:00.000Z',
      adapter: 'llvmpipe',
      cpuCores: 2,
      node: 'v20',
      quick: true,
      data: 'x',
      systems: [],
      workloads: [],
      loadAverage: { start: 0, end: 0 },
      results: [],
      methods: rs,
      ratios: [],
      totalSeconds: 1,
    };
    const md = recordMarkdown(rec).split('\n');
    expect(md.filter((l) => l.startsWith('| lt_sft * | #12 LT-SFT |'))).toHaveLength(1);
    expect(md).toContain(`\\* lt_sft: ${note}`); // escaped: not a list bullet
  });
});
