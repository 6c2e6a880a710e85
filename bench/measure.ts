// Measure one system on one workload: the first step (shader and pipeline compilation
// included), warm-up steps, then `steps` timed steps whose median is reported; the last timed
// step runs under the GPU counters (kernels per step, peak memory: counting costs nothing
// measurable). Every step ends with its loss read back, so its device work is finished when
// its time is taken. Past `maxSeconds` the timed loop stops early (after at least 3 steps) so
// a busy machine cannot push the whole run past its time budget; the step count is reported.

import { counters, peakBytes as devicePeak, resetWindow } from './gpu-counters.ts';
import type { Measurement } from './report.ts';
import { stepStats, throughput } from './stats.ts';
import type { BenchData, Session, System } from './systems/types.ts';
import type { Workload } from './workloads.ts';

export interface MeasureOptions {
  /** Timed steps for this system (a slow reference may get fewer than w.steps). */
  steps: number;
  warmup: number;
  /** Stop timing after this many seconds of this measurement (at least `minSteps` timed steps run). */
  maxSeconds?: number;
  /** Timed steps that run even past maxSeconds (default 3). */
  minSteps?: number;
  /** Called once the session exists (the harness takes ftl's initial values from it). */
  onSession?: (s: Session) => void;
  /**
   * Called after the last step, before the session is disposed, when every step succeeded
   * (the harness reads the weights ftl's full fine-tuning reached: LT-SFT's theta1).
   */
  onFinish?: (s: Session) => Promise<void>;
  /** Called with a short progress note. */
  progress?: (msg: string) => void;
}

export async function measure(
  sys: System,
  w: Workload,
  data: BenchData,
  o: MeasureOptions,
): Promise<Measurement> {
  const base = { workload: w.name, system: sys.name, role: sys.role, itemsPerStep: w.itemsPerStep };
  let prepared;
  try {
    prepared = await sys.prepare(w, data);
  } catch (e) {
    return { ...base, status: 'failed', reason: errorText(e) };
  }
  if ('unavailable' in prepared) return { ...base, status: 'unavailable', reason: prepared.unavailable };
  const { session } = prepared;
  o.onSession?.(session);
  try {
    const started = performance.now();
    const overTime = (done: number) =>
      o.maxSeconds !== undefined &&
      done >= Math.min(o.minSteps ?? 3, o.steps) &&
      performance.now() - started > o.maxSeconds * 1000;
    let s = 0;
    let t = performance.now();
    const lossFirst = await session.step(s++);
    const firstStepMs = performance.now() - t;
    for (let i = 0; i < o.warmup && !overTime(o.steps); i++) await session.step(s++);
    const times: number[] = [];
    let lossLast = lossFirst;
    const device = sys.gpuDevice();
    for (let i = 0; i < o.steps; i++) {
      const last = i === o.steps - 1 || overTime(i + 1);
      if (last) resetWindow(); // the instrumented step
      t = performance.now();
      lossLast = await session.step(s++);
      times.push(performance.now() - t);
      o.progress?.(`${w.name} ${sys.name} step ${i + 1}/${o.steps} ${times[i].toFixed(0)} ms`);
      if (last) break;
    }
    let peakBytes = device ? devicePeak(device) : 0;
    let memoryKind: Measurement['memoryKind'] = 'gpu-buffers';
    if (session.peakBytesOfStep) {
      // No GPU buffers to count (the CPU backend): one more step under the system's own profiler.
      peakBytes = await session.peakBytesOfStep(s++);
      memoryKind = 'tensor-bytes';
    }
    const kernelsPerStep = sys.dispatchesKernels ? counters.dispatches : null;
    const st = stepStats(times);
    await o.onFinish?.(session);
    return {
      ...base,
      status: 'ok',
      firstStepMs,
      medianMs: st.medianMs,
      p10Ms: st.p10Ms,
      p90Ms: st.p90Ms,
      steps: st.n,
      itemsPerS: throughput(w.itemsPerStep, st.medianMs),
      kernelsPerStep,
      peakBytes,
      memoryKind,
      lossFirst,
      lossLast,
      sharedInitial: session.sharedInitial,
    };
  } catch (e) {
    return { ...base, status: 'failed', reason: errorText(e) };
  } finally {
    session.dispose();
  }
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];
