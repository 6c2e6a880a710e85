// bench/markdown.ts: a record renders as Markdown tables with the same rows as the text tables.
import { describe, expect, it } from 'vitest';
import { markdownTable, recordMarkdown } from '../../bench/markdown.ts';
import { measurementGrid, ratios, type BenchRecord, type Measurement } from '../../bench/report.ts';
import { TARGETS } from '../../bench/targets.ts';

describe('bench markdown', () => {
  it('renders a grid as a Markdown table, escaping pipes', () => {
    expect(markdownTable({ headers: ['a', 'b'], rows: [['1', 'x|y']] }).split('\n')).toEqual([
      '| a | b |',
      '| --- | --- |',
      '| 1 | x\\|y |',
    ]);
  });

  it('renders a record: header lines, one row per measurement and per ratio', () => {
    const results: Measurement[] = [
      {
        workload: 'mlp',
        system: 'ftl',
        role: 'ftl',
        status: 'ok',
        medianMs: 10,
        itemsPerS: 6400,
        kernelsPerStep: 16,
        steps: 20,
      },
      {
        workload: 'mlp',
        system: 'tfjs-webgpu',
        role: 'peer',
        status: 'ok',
        medianMs: 40,
        itemsPerS: 1600,
        kernelsPerStep: 128,
        steps: 20,
      },
    ];
    const rs = ratios(
      results,
      TARGETS.filter((t) => t.workload === 'mlp'),
    );
    const rec: BenchRecord = {
      date: '2026-11-22T00:00:00.000Z',
      adapter: 'llvmpipe',
      cpuCores: 2,
      node: 'v20',
      quick: false,
      data: 'random',
      systems: [{ name: 'tfjs-webgpu', role: 'peer', description: 'TensorFlow.js webgpu' }],
      workloads: [{ name: 'mlp', title: 'MLP' }],
      loadAverage: { start: 8, end: 9 },
      results,
      ratios: rs,
      totalSeconds: 1,
    };
    const md = recordMarkdown(rec);
    expect(md).toContain('on 2026-11-22: llvmpipe, 2 CPU cores');
    expect(md).toContain('Peer: TensorFlow.js webgpu.');
    expect(md).toContain('shared with other work'); // load 9 on 2 cores
    const rows = md.split('\n').filter((l) => l.startsWith('| mlp |'));
    expect(rows).toHaveLength(results.length + rs.length);
    expect(rows[0]).toBe(`| ${measurementGrid(results).rows[0].join(' | ')} |`);
    expect(md).toContain('| mlp | examples/s vs peer | 4.00x | >=5x | NOT met |');
  });
});
