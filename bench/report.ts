// Measurements -> ratios against the targets -> text tables and the JSON record (pure;
// tested in tests/bench/report.test.ts).

import { meets, targetText, type Target } from './targets.ts';

export interface Measurement {
  workload: string;
  system: string;
  role: 'peer' | 'reference' | 'ftl' | 'ablation';
  status: 'ok' | 'unavailable' | 'failed';
  /** Why the system did not run this workload. */
  reason?: string;
  itemsPerStep?: number;
  /** First step, including shader/pipeline compilation (tfjs compiles lazily, ftl at load). */
  firstStepMs?: number;
  medianMs?: number;
  p10Ms?: number;
  p90Ms?: number;
  steps?: number;
  itemsPerS?: number;
  /** Compute dispatches in one step; null where the system has no GPU kernels (CPU backend). */
  kernelsPerStep?: number | null;
  peakBytes?: number;
  /** 'gpu-buffers': live GPUBuffer bytes; 'tensor-bytes': tfjs's own tensor accounting. */
  memoryKind?: 'gpu-buffers' | 'tensor-bytes';
  lossFirst?: number;
  lossLast?: number;
  /** Parameters that started from ftl's initial values (so lossFirst is comparable). */
  sharedInitial?: number;
}

export interface Ratio {
  target: Target;
  ftl?: number;
  reference?: number;
  ratio?: number;
  met?: boolean;
  /** Why there is no ratio. */
  missing?: string;
}

const METRIC: Record<Target['metric'], (m: Measurement) => number | null | undefined> = {
  throughput: (m) => m.itemsPerS,
  kernels: (m) => m.kernelsPerStep,
  peakBytes: (m) => m.peakBytes,
  msPerStep: (m) => m.medianMs,
};

const find = (ms: readonly Measurement[], workload: string, role: Measurement['role']) =>
  ms.find((m) => m.workload === workload && m.role === role);

export function ratios(ms: readonly Measurement[], targets: readonly Target[]): Ratio[] {
  return targets.map((target) => {
    const ftl = find(ms, target.workload, 'ftl');
    const ref = target.against === 'peer' ? find(ms, target.workload, 'peer') : find(ms, 'gpt', 'ftl');
    if (!ftl && !ref) return { target, missing: 'workload not run' };
    const refVal = ref?.status === 'ok' ? (METRIC[target.metric](ref) ?? undefined) : undefined;
    if (ftl?.status !== 'ok')
      return { target, reference: refVal, missing: `ftl: ${ftl?.reason ?? 'not run'}` };
    const ftlVal = METRIC[target.metric](ftl) ?? undefined;
    if (refVal === undefined)
      return { target, ftl: ftlVal, missing: `reference: ${ref?.reason ?? 'not run'}` };
    if (ftlVal === undefined) return { target, reference: refVal, missing: 'ftl: not measured' };
    const ratio = ftlVal / refVal;
    return { target, ftl: ftlVal, reference: refVal, ratio, met: meets(target, ratio) };
  });
}

/**
 * Plain-text table with a rule under the header. A column whose cells are all numbers (or
 * "-") is right-aligned, header included; other columns are left-aligned.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (r: readonly string[], i: number) => r[i] ?? '';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => cell(r, i).length)));
  const isNumber = (s: string) => /^[-+]?[\d.,]+(e[-+]?\d+)?[x%*]?$/i.test(s);
  const right = headers.map(
    (_, i) =>
      rows.some((r) => isNumber(cell(r, i))) && rows.every((r) => isNumber(cell(r, i)) || cell(r, i) === '-'),
  );
  const line = (cells: readonly string[]) =>
    headers
      .map((_, i) => (right[i] ? cell(cells, i).padStart(widths[i]) : cell(cells, i).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Fixed significant digits without exponent noise: 1234 -> "1234", 12.345 -> "12.3", 0.01234 -> "0.0123". */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - mag);
  return x.toFixed(decimals);
}

const MiB = 1024 * 1024;

/** A table as data, rendered as text (formatTable) or Markdown (bench/markdown.ts). */
export interface Grid {
  headers: string[];
  rows: string[][];
}

export function measurementGrid(ms: readonly Measurement[]): Grid {
  const rows = ms.map((m) => {
    if (m.status !== 'ok')
      return [m.workload, m.system, '-', '-', '-', '-', '-', '-', `${m.status}: ${m.reason ?? ''}`];
    const mib = m.peakBytes === undefined ? undefined : m.peakBytes / MiB;
    return [
      m.workload,
      m.system,
      fmt(m.medianMs),
      fmt(m.itemsPerS),
      m.kernelsPerStep === null || m.kernelsPerStep === undefined ? '-' : String(m.kernelsPerStep),
      fmt(mib) + (m.memoryKind === 'tensor-bytes' ? '*' : ''),
      fmt(m.firstStepMs === undefined ? undefined : m.firstStepMs / 1000),
      `${fmt(m.lossFirst, 4)} -> ${fmt(m.lossLast, 4)}`,
      `${m.steps} steps`,
    ];
  });
  return {
    headers: [
      'workload',
      'system',
      'ms/step',
      'tok/s',
      'kernels/step',
      'peak MiB',
      'first step s',
      'loss',
      'note',
    ],
    rows,
  };
}

export function ratioGrid(rs: readonly Ratio[]): Grid {
  const status = (r: Ratio) => {
    if (r.ratio === undefined) return r.missing ?? '';
    if (r.target.min === undefined && r.target.max === undefined) return 'info';
    return r.met ? 'met' : 'NOT met';
  };
  const rows = rs.map((r) => [
    r.target.workload,
    r.target.label,
    r.ratio === undefined ? '-' : `${fmt(r.ratio)}x`,
    targetText(r.target),
    status(r),
  ]);
  return { headers: ['workload', 'ftl / reference (same run)', 'ratio', 'target', 'status'], rows };
}

/** ftl with every optimization pass vs with none, per workload where both ran (issue 6). */
export function ablationGrid(ms: readonly Measurement[]): Grid | undefined {
  const rows: string[][] = [];
  for (const opt of ms.filter((m) => m.role === 'ftl' && m.status === 'ok')) {
    const un = find(ms, opt.workload, 'ablation');
    if (un?.status !== 'ok') continue;
    const pair = (a?: number | null, b?: number | null, scale = 1) =>
      `${fmt(a == null ? a : a / scale)} / ${fmt(b == null ? b : b / scale)}`;
    const count = (n?: number | null) => (n == null ? '-' : String(n));
    rows.push([
      opt.workload,
      `${count(opt.kernelsPerStep)} / ${count(un.kernelsPerStep)}`,
      pair(opt.peakBytes, un.peakBytes, MiB),
      pair(opt.medianMs, un.medianMs),
      un.medianMs && opt.medianMs ? `${fmt(un.medianMs / opt.medianMs)}x` : '-',
    ]);
  }
  if (!rows.length) return undefined;
  return {
    headers: ['workload', 'kernels opt / unopt', 'peak MiB opt / unopt', 'ms/step opt / unopt', 'speed-up'],
    rows,
  };
}

const text = (g: Grid) => formatTable(g.headers, g.rows);
export const measurementTable = (ms: readonly Measurement[]) => text(measurementGrid(ms));
export const ratioTable = (rs: readonly Ratio[]) => text(ratioGrid(rs));
export function ablationTable(ms: readonly Measurement[]): string | undefined {
  const g = ablationGrid(ms);
  return g && text(g);
}

/** The JSON record `npm run bench` writes to bench/results/ (and bench/markdown.ts renders). */
export interface BenchRecord {
  date: string;
  adapter: string;
  cpuCores: number;
  node: string;
  quick: boolean;
  data: string;
  systems: { name: string; role: string; description?: string; unavailable?: string }[];
  workloads: { name: string; title: string }[];
  loadAverage: { start: number; end: number };
  results: Measurement[];
  compileTime?: { workload: { name: string; title: string } } & (
    { ms: number; kernels: number } | { unavailable: string }
  );
  /** Front-end speed: parse + check of the repository's .ftl files and of a 10,000-line file. */
  frontend?: import('./frontend.ts').FrontendResult;
  /** bench/matmul.ts's output lines (kernel-level GFLOP/s), or why not. */
  matmul?: { lines: string[] } | { unavailable: string };
  /** Issue 9: each sparse-update method on the tiny GPT, beside ftl's full fine-tuning. */
  methods?: import('./methods.ts').MethodResult[];
  ratios: Ratio[];
  totalSeconds: number;
}
