// bench/report.ts: ratios against targets from measurements built here, and table layout.
import { describe, expect, it } from 'vitest';
import {
  ablationTable,
  fmt,
  formatTable,
  measurementTable,
  ratios,
  ratioTable,
  type Measurement,
} from '../../bench/report.ts';
import { meets, TARGETS, targetText, type Target } from '../../bench/targets.ts';

const ok = (
  workload: string,
  system: string,
  role: Measurement['role'],
  v: Partial<Measurement>,
): Measurement => ({
  workload,
  system,
  role,
  status: 'ok',
  ...v,
});

describe('bench ratios', () => {
  const ms: Measurement[] = [
    ok('gpt', 'tfjs-webgpu', 'peer', {
      itemsPerS: 400,
      kernelsPerStep: 900,
      peakBytes: 100 << 20,
      medianMs: 1280,
    }),
    ok('gpt', 'ftl', 'ftl', { itemsPerS: 5000, kernelsPerStep: 120, peakBytes: 40 << 20, medianMs: 102.4 }),
    ok('gpt-last-block', 'ftl', 'ftl', { medianMs: 30 }),
    { workload: 'gpt-lora', system: 'tfjs-webgpu', role: 'peer', status: 'failed', reason: 'boom' },
    { workload: 'mlp', system: 'ftl', role: 'ftl', status: 'unavailable', reason: 'not available yet' },
    ok('mlp', 'tfjs-webgpu', 'peer', { itemsPerS: 900 }),
  ];
  const byKey = (workload: string, metric: Target['metric']) =>
    ratios(ms, TARGETS).find((r) => r.target.workload === workload && r.target.metric === metric)!;

  it('divides ftl by the peer measured in the same run and checks the target', () => {
    const tp = byKey('gpt', 'throughput');
    expect(tp.ratio).toBeCloseTo(5000 / 400, 12);
    expect(tp.met).toBe(true); // 12.5 >= 10
    const k = byKey('gpt', 'kernels');
    expect(k.ratio).toBeCloseTo(120 / 900, 12);
    expect(k.met).toBe(false); // 0.133 > 0.1
    expect(byKey('gpt', 'peakBytes').ratio).toBeCloseTo(0.4, 12);
    expect(byKey('gpt', 'peakBytes').met).toBe(true);
  });

  it('compares the ftl-only workload with ftl full fine-tuning', () => {
    const r = byKey('gpt-last-block', 'msPerStep');
    expect(r.ratio).toBeCloseTo(30 / 102.4, 12);
    expect(r.met).toBe(true); // 0.293 <= 0.35
  });

  it('says why a ratio is missing', () => {
    expect(byKey('mlp', 'throughput').missing).toBe('ftl: not available yet');
    expect(byKey('mlp', 'throughput').reference).toBe(900);
    expect(byKey('gpt-lora', 'throughput').missing).toBe('ftl: not run');
    expect(byKey('gpt-large', 'throughput').missing).toBe('workload not run');
  });

  it('target text and meets', () => {
    const min: Target = { workload: 'x', metric: 'throughput', min: 10, against: 'peer', label: '' };
    const max: Target = { workload: 'x', metric: 'kernels', max: 0.1, against: 'peer', label: '' };
    expect([targetText(min), targetText(max)]).toEqual(['>=10x', '<=0.1x']);
    expect([meets(min, 10), meets(min, 9.99), meets(max, 0.1), meets(max, 0.11)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });
});

describe('bench tables', () => {
  it('aligns columns: numbers right, text left, one rule line', () => {
    const t = formatTable(
      ['name', 'ms'],
      [
        ['a', '1.5'],
        ['longer', '123'],
      ],
    ).split('\n');
    expect(t).toEqual(['name     ms', '------  ---', 'a       1.5', 'longer  123']);
  });

  it('fmt keeps three significant digits without exponents', () => {
    expect([fmt(1234.5), fmt(12.345), fmt(0.012345), fmt(0), fmt(undefined), fmt(NaN)]).toEqual([
      '1235',
      '12.3',
      '0.0123',
      '0',
      '-',
      '-',
    ]);
  });

  it('renders every measurement and every ratio as a row', () => {
    const ms: Measurement[] = [
      ok('gpt', 'tfjs-webgpu', 'peer', {
        medianMs: 1000,
        itemsPerS: 512,
        kernelsPerStep: 931,
        peakBytes: 100 * 1024 * 1024,
        firstStepMs: 2500,
        lossFirst: 5.5,
        lossLast: 5.25,
        steps: 20,
        memoryKind: 'gpu-buffers',
      }),
      { workload: 'gpt', system: 'ftl', role: 'ftl', status: 'unavailable', reason: 'not yet' },
    ];
    const lines = measurementTable(ms).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2].split(/\s{2,}/)).toEqual([
      'gpt',
      'tfjs-webgpu',
      '1000',
      '512',
      '931',
      '100',
      '2.50',
      '5.500 -> 5.250',
      '20 steps',
    ]);
    expect(lines[3]).toMatch(/unavailable: not yet$/);
    const rt = ratioTable(
      ratios(
        ms,
        TARGETS.filter((t) => t.workload === 'gpt'),
      ),
    ).split('\n');
    expect(rt).toHaveLength(2 + 3);
  });
});

describe('bench ablation table', () => {
  it('pairs ftl with ftl-unopt per workload and gives the speed-up', () => {
    const ms: Measurement[] = [
      ok('gpt', 'ftl', 'ftl', { kernelsPerStep: 300, peakBytes: 64 * 1024 * 1024, medianMs: 500 }),
      ok('gpt', 'ftl-unopt', 'ablation', {
        kernelsPerStep: 1200,
        peakBytes: 200 * 1024 * 1024,
        medianMs: 900,
      }),
      ok('mlp', 'ftl', 'ftl', { kernelsPerStep: 50, medianMs: 10 }), // no unoptimized run: no row
    ];
    const lines = ablationTable(ms)!.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2].split(/\s{2,}/)).toEqual([
      'gpt',
      '300 / 1200',
      '64.0 / 200',
      '500 / 900',
      `${fmt(900 / 500)}x`,
    ]);
    expect(ablationTable(ms.slice(2))).toBeUndefined();
  });
});
