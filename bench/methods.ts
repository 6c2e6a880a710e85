// Issue 9's bench section: each sparse-update method (wave 2) on the bench's tiny GPT, ftl
// only, beside ftl's full fine-tuning of the same model measured in the same run.
//
// Per method: median step time and live GPU bytes (the workload harness, bench/measure.ts)
// and, from the compiler (compiler/optimize/baseline.ts), the backward FLOPs and optimizer
// state the method removes against full fine-tuning. Multi-stage methods (HFT, LP-FT, SpIEL's
// later stages) are measured on their first stage: each stage is one compiled graph.

import type { Compiled } from '../compiler/compile.ts';
import type { FullBaseline } from '../compiler/optimize/report.ts';
import { fmt, type Grid, type Measurement } from './report.ts';
import type { GptConfig, Workload } from './workloads.ts';

export interface MethodRow {
  /** Workload name: `m-<method>`. */
  name: string;
  /** Paper, as in docs/methods.md. */
  paper: string;
  /** stdlib module to import (`std.methods.X`) and the `apply` line on the tiny GPT. */
  module: string;
  apply: string;
  /**
   * Its selection reads the weights a full fine-tuning reached (LT-SFT phase 2's
   * |theta1 - theta0|): the harness runs phase 1 as ftl's full fine-tuning of the same model.
   */
  phase1?: boolean;
}

const T = '"blocks.*.{attn,mlp}.*.weight"';
export const METHOD_ROWS: MethodRow[] = [
  { name: 'm-lift', paper: '#20 LIFT', module: 'lift', apply: `lift(rank: 8, density: 0.05, targets: ${T})` },
  { name: 'm-hft', paper: '#29 HFT', module: 'hft', apply: 'hft(seed: 1)' },
  {
    name: 'm-greentrainer',
    paper: '#30 GreenTrainer',
    module: 'greentrainer',
    apply: `greentrainer(rho: 0.4, tokens: 256, targets: ${T})`,
  },
  {
    name: 'm-paca',
    paper: '#33 PaCA',
    module: 'paca',
    apply: 'paca(r: 8, targets: "blocks.*.{attn,mlp}.*")',
  },
  {
    name: 'm-spdf',
    paper: '#37 SPDF',
    module: 'spdf',
    apply: 'spdf_sparse(sparsity: 0.75, targets: "blocks.*.mlp.*")',
  },
  { name: 'm-mobiletl', paper: '#57 MobileTL', module: 'mobiletl', apply: 'mobiletl(blocks: 1)' },
  {
    name: 'm-lt-sft',
    paper: '#12 LT-SFT',
    module: 'lt_sft',
    apply: `lt_sft(density: 0.05, targets: ${T})`,
    phase1: true,
  },
  {
    name: 'm-kappatune',
    paper: '#198 KappaTune',
    module: 'kappatune',
    apply: `kappatune(count: 4, targets: ${T})`,
  },
  {
    name: 'm-locft',
    paper: '#202 LocFT-BF',
    module: 'locft',
    apply: 'locft(layers: [-1], tensors: "mlp.proj.weight")',
  },
  { name: 'm-spiel', paper: '#121 SpIEL', module: 'spiel', apply: `spiel(density: 0.01, targets: ${T})` },
  { name: 'm-s2ft', paper: '#125 S2FT', module: 's2ft', apply: 's2ft(channels: 32, heads: 1)' },
  {
    name: 'm-mask-tuning',
    paper: '#204 Regularized Mask Tuning',
    module: 'mask_tuning',
    apply: 'mask_tuning(targets: "blocks.*.mlp.fc", init_score: 0.51)',
  },
  {
    name: 'm-sparse-budget',
    paper: '#32 PockEngine sparse update',
    module: 'sparse_budget',
    apply: 'sparse_update_budget(budget: "256KB")',
  },
];

/** One workload per method (all of `rows`): the tiny GPT config of `full` with the method applied. */
export function methodWorkloads(full: Workload, quick: boolean, rows = METHOD_ROWS): Workload[] {
  return rows.map((m) => ({
    name: m.name,
    title: `tiny GPT + ${m.apply} (${m.paper})`,
    config: {
      ...(full.config as GptConfig),
      method: 'custom',
      custom: { imports: [`std.methods.${m.module}`], apply: m.apply },
    },
    warmup: 1,
    steps: quick ? 2 : 5,
    referenceSteps: 0,
    itemsPerStep: full.itemsPerStep,
    ftlOnly: true,
    compareWithOwn: full.name,
  }));
}

export interface MethodResult {
  row: MethodRow;
  measurement: Measurement;
  /** What the compiler says it removes, or why not. */
  removes?: FullBaseline | { unavailable: string };
  /** Where the row's inputs came from when that is not obvious (LT-SFT: its theta1). */
  note?: string;
}

/** Methods vs ftl's own full fine-tuning (measured in the same run). */
export function methodGrid(rs: readonly MethodResult[], full?: Measurement): Grid {
  const MiB = 2 ** 20;
  const ratio = (a?: number | null, b?: number | null) => (a && b ? `${fmt(a / b)}x` : '-');
  const rows = rs.map(({ row, measurement: m, removes, note }) => {
    const r = removes && 'backwardFlops' in removes ? removes : undefined;
    const ok = m.status === 'ok';
    return [
      row.apply.replace(/\(.*/, '') + (note ? ' *' : ''),
      row.paper,
      ok ? fmt(m.medianMs) : '-',
      ok ? ratio(m.medianMs, full?.medianMs) : '-',
      ok && m.peakBytes !== undefined ? fmt(m.peakBytes / MiB) : '-',
      ok ? ratio(m.peakBytes, full?.peakBytes) : '-',
      r ? ratio(r.backwardFlops.method, r.backwardFlops.full) : '-',
      r ? `${fmt(r.optimizerState.method / 1024)} / ${fmt(r.optimizerState.full / 1024)}` : '-',
      ok ? `${fmt(m.lossFirst, 4)} -> ${fmt(m.lossLast, 4)}` : `${m.status}: ${m.reason ?? ''}`,
    ];
  });
  return {
    headers: [
      'method',
      'paper',
      'ms/step',
      'vs full FT',
      'peak MiB',
      'vs full FT',
      'backward FLOPs vs full',
      'optimizer state KiB (method / full)',
      'loss',
    ],
    rows,
  };
}

/** The notes of rows marked `*` in methodGrid, one line each. */
export const methodNotes = (rs: readonly MethodResult[]): string[] =>
  rs.filter((r) => r.note).map((r) => `* ${r.row.apply.replace(/\(.*/, '')}: ${r.note}`);

/**
 * The compiler's side: the method's compile result compared with the same recipe without
 * its `apply` (compiler/optimize/baseline.ts), as `ftl compile --report` does. `compiled` is
 * the result the measured run used (lowered for the device, selections fed as in the run);
 * without it the recipe is compiled here to IR (no device), as `ftl run` compiles a first
 * stage. `source` names the corpus the harness wrote, which calibration-based selections
 * read at compile time.
 */
export async function compilerRemoves(
  source: string,
  file: string,
  compiled?: Compiled,
): Promise<FullBaseline | { unavailable: string }> {
  try {
    const { fullBaseline } = await import('../compiler/optimize/baseline.ts');
    const c = compiled ?? (await import('../runtime/train/select.ts')).compileAtStart(source, file, {});
    const bad = c.diagnostics.find((d) => d.severity === 'error');
    if (bad) return { unavailable: `compile: ${bad.code} ${bad.message}` };
    return fullBaseline(source, file, c) ?? { unavailable: 'same as full fine-tuning' };
  } catch (e) {
    return { unavailable: (e as Error).message.split('\n')[0] };
  }
}
