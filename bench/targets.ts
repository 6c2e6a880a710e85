// The targets ftl is measured against (issues 6 and 10), as data. Each compares one ftl
// measurement with the peer's (TensorFlow.js on WebGPU) in the same run, or with ftl's own
// full fine-tuning for the ftl-only workloads.

export type Metric = 'throughput' | 'kernels' | 'peakBytes' | 'msPerStep';

export interface Target {
  /** Workload name (bench/workloads.ts). */
  workload: string;
  metric: Metric;
  /** ftl / reference must be >= min or <= max; neither: shown for information. */
  min?: number;
  max?: number;
  /** Whom the ratio's denominator comes from. */
  against: 'peer' | 'own-full';
  label: string;
}

const vsPeer = (workload: string): Target[] => [
  { workload, metric: 'kernels', max: 0.1, against: 'peer', label: 'kernels/step vs peer' },
  { workload, metric: 'peakBytes', max: 0.5, against: 'peer', label: 'peak memory vs peer' },
];

export const TARGETS: Target[] = [
  { workload: 'mlp', metric: 'throughput', min: 5, against: 'peer', label: 'examples/s vs peer' },
  ...vsPeer('mlp'),
  { workload: 'gpt', metric: 'throughput', min: 10, against: 'peer', label: 'tokens/s vs peer (full FT)' },
  ...vsPeer('gpt'),
  { workload: 'gpt-lora', metric: 'throughput', min: 15, against: 'peer', label: 'tokens/s vs peer (LoRA)' },
  ...vsPeer('gpt-lora'),
  {
    workload: 'gpt-last-block',
    metric: 'msPerStep',
    max: 0.35,
    against: 'own-full',
    label: 'step time vs ftl full FT',
  },
  { workload: 'gpt-large', metric: 'throughput', against: 'peer', label: 'tokens/s vs peer (scaling)' },
  ...vsPeer('gpt-large'),
];

/** Is `ratio` within the target? */
export function meets(t: Target, ratio: number): boolean {
  return (t.min === undefined || ratio >= t.min) && (t.max === undefined || ratio <= t.max);
}

/** ">=10x", "<=0.1x", or "-" for a ratio shown without a target. */
export function targetText(t: Target): string {
  return t.min !== undefined ? `>=${t.min}x` : t.max !== undefined ? `<=${t.max}x` : '-';
}
