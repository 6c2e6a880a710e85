// Training metrics: one JSON object per line (`metrics.jsonl`), appended as steps finish so a
// crash keeps everything logged so far, plus a one-line progress display for terminals.

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface MetricRecord {
  step: number;
  loss: number;
  lr?: number;
  tokens_per_s?: number;
  ms_per_step?: number;
  [key: string]: number | string | undefined;
}

export class MetricsLog {
  readonly records: MetricRecord[] = [];
  constructor(private readonly path?: string) {
    if (path) mkdirSync(dirname(path), { recursive: true });
  }
  add(r: MetricRecord): void {
    this.records.push(r);
    if (this.path) appendFileSync(this.path, JSON.stringify(r) + '\n');
  }
}

/** `step 120/300 ▕█████▌    ▏ loss 2.3141  812 tok/s  eta 0:42` */
export function progressLine(
  step: number,
  total: number,
  loss: number,
  tokensPerS: number,
  msPerStep: number,
): string {
  const width = 20;
  const frac = Math.min(1, step / total);
  const full = Math.floor(frac * width);
  const bar = '█'.repeat(full) + (full < width ? ' '.repeat(width - full) : '');
  const eta = Math.round(((total - step) * msPerStep) / 1000);
  const etaText = `${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, '0')}`;
  return `step ${String(step).padStart(String(total).length)}/${total} ▕${bar}▏ loss ${loss.toFixed(4)}  ${tokensPerS.toFixed(0)} tok/s  eta ${etaText}`;
}
