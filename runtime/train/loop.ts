// The training loop: feed a batch, run one step, read the loss back only when it is logged
// (a readback stalls the device queue), report progress, save checkpoints.
//
// It knows nothing about the recipe: the compiled artefact supplies the per-step inputs
// (batch tensors, `step`, seeds) through `feed`, and the executor runs the step.
// `beforeStep` may hand over a new executor (a re-selection recompiled the graph,
// runtime/train/reselect.ts); the time it takes is not counted as training time.

import type { Executor, HostArray } from '../executor.ts';
import { MetricsLog, progressLine, type MetricRecord } from '../metrics/log.ts';

export interface LoopOptions {
  steps: number;
  /** Read the loss back every n steps (and at the last step). */
  logEvery: number;
  /** Tokens processed per step, for tokens/s. */
  tokensPerStep: number;
  /** 1-based step number of the first step (resume starts later). */
  firstStep?: number;
  /** Inputs of step `step` (1-based): batch tensors and scalars. */
  feed: (step: number) => Record<string, HostArray>;
  /** The output holding the scalar loss. */
  lossOutput?: string;
  log?: MetricsLog;
  /** Called after each logged step, e.g. to draw a progress line. */
  onLog?: (r: MetricRecord, line: string) => void;
  /** Called after step `step` completes when it is a checkpoint step. */
  onCheckpoint?: (step: number) => Promise<void>;
  checkpointEvery?: number;
  /** Called before step `step`; a returned executor runs this step and the following ones. */
  beforeStep?: (step: number) => Promise<Executor | undefined>;
}

export interface LoopResult {
  losses: [number, number][];
  msPerStep: number;
  tokensPerS: number;
}

export async function trainLoop(exec: Executor, o: LoopOptions): Promise<LoopResult> {
  const lossName = o.lossOutput ?? 'loss';
  const log = o.log ?? new MetricsLog();
  const first = o.firstStep ?? 1;
  const losses: [number, number][] = [];
  let windowStart = performance.now();
  let windowSteps = 0;
  let totalMs = 0;
  for (let step = first; step < first + o.steps; step++) {
    if (o.beforeStep) {
      const t0 = performance.now();
      const next = await o.beforeStep(step);
      if (next) exec = next;
      windowStart += performance.now() - t0;
    }
    for (const [name, value] of Object.entries(o.feed(step))) exec.setInput(name, value);
    await exec.step();
    windowSteps++;
    const last = step === first + o.steps - 1;
    if (step % o.logEvery === 0 || last) {
      const out = await exec.readOutputs([lossName]);
      const loss = out[lossName][0];
      const ms = (performance.now() - windowStart) / windowSteps;
      totalMs += ms * windowSteps;
      const tokensPerS = (o.tokensPerStep * 1000) / ms;
      const r: MetricRecord = {
        step,
        loss,
        ms_per_step: +ms.toFixed(3),
        tokens_per_s: +tokensPerS.toFixed(1),
      };
      log.add(r);
      losses.push([step, loss]);
      o.onLog?.(r, progressLine(step - first + 1, o.steps, loss, tokensPerS, ms));
      windowStart = performance.now();
      windowSteps = 0;
      if (!Number.isFinite(loss)) throw new NonFiniteLoss(step, loss);
    }
    if (o.onCheckpoint && o.checkpointEvery && (step % o.checkpointEvery === 0 || last))
      await o.onCheckpoint(step);
  }
  const msPerStep = totalMs / o.steps;
  return { losses, msPerStep, tokensPerS: (o.tokensPerStep * 1000) / msPerStep };
}

/** The loss became NaN or infinite: training stops and says at which step. */
export class NonFiniteLoss extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `loss became ${loss} at step ${step}: lower the learning rate, or enable gradient clipping (clip: 1.0)`,
    );
  }
}
