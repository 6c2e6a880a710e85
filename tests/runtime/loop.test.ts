// The training loop's contract: inputs fed every step, loss read back only on log steps,
// metrics appended as JSONL, a non-finite loss stops with the step named.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor, HostArray } from '../../runtime/executor.ts';
import { MetricsLog } from '../../runtime/metrics/log.ts';
import { lossCurveSvg } from '../../runtime/metrics/plot.ts';
import { NonFiniteLoss, trainLoop } from '../../runtime/train/loop.ts';

/** Gradient descent on (w - target)^2 with the target fed as an input each step. */
class QuadraticExecutor implements Executor {
  readonly description = 'test: quadratic';
  readonly dispatchesPerStep = 0;
  w = 5;
  lr: number;
  target = 0;
  reads = 0;
  steps = 0;
  constructor(lr = 0.1) {
    this.lr = lr;
  }
  setParam(): void {}
  async getParam() {
    return Float32Array.of(this.w);
  }
  setInput(name: string, v: HostArray) {
    if (name === 'target') this.target = v[0];
  }
  async step() {
    this.steps++;
    this.w -= this.lr * 2 * (this.w - this.target);
  }
  async readOutputs(names: readonly string[]) {
    this.reads++;
    return Object.fromEntries(names.map((n) => [n, Float32Array.of((this.w - this.target) ** 2)]));
  }
  destroy() {}
}

describe('trainLoop', () => {
  it('feeds every step, reads the loss only when logging, and logs JSONL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-loop-'));
    const exec = new QuadraticExecutor();
    const fed: number[] = [];
    const r = await trainLoop(exec, {
      steps: 10,
      logEvery: 4,
      tokensPerStep: 8,
      feed: (s) => (fed.push(s), { target: Float32Array.of(1) }),
      log: new MetricsLog(join(dir, 'metrics.jsonl')),
    });
    expect(fed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(exec.steps).toBe(10);
    expect(exec.reads).toBe(3); // steps 4, 8 and the last
    expect(r.losses.map(([s]) => s)).toEqual([4, 8, 10]);
    // The loss after n steps of GD on (w-1)^2 from w=5 with lr 0.1 is (4 * 0.8^n)^2.
    for (const [s, loss] of r.losses) expect(loss).toBeCloseTo((4 * 0.8 ** s) ** 2, 4);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([4, 8, 10]);
    expect(lines[0].tokens_per_s).toBeGreaterThan(0);
  });

  it('stops with the step named when the loss diverges', async () => {
    const exec = new QuadraticExecutor(1.5); // |1 - 2 lr| > 1: diverges to infinity
    const run = trainLoop(exec, { steps: 2000, logEvery: 100, tokensPerStep: 1, feed: () => ({}) });
    await expect(run).rejects.toBeInstanceOf(NonFiniteLoss);
    await expect(run).rejects.toThrow(/at step \d+/);
  });

  it('draws a loss curve as SVG with one path per series', () => {
    const svg = lossCurveSvg([
      {
        name: 'webgpu',
        points: [
          [1, 3],
          [2, 2],
          [3, 1.5],
        ],
      },
      {
        name: 'cpu',
        points: [
          [1, 3],
          [2, 2.1],
          [3, 1.4],
        ],
      },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(svg).toContain('webgpu');
  });
});
