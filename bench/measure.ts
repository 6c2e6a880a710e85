// Measure one system on one workload: the first step (shader and pipeline compilation
// included), warm-up steps, then `steps` timed steps whose median is reported, and one more
// step under the GPU counters for kernels per step and peak memory. Every step ends with its
// loss read back, so its device work is finished when its time is taken.

import { counters, peakBytes as devicePeak, resetWindow } from './gpu-counters.ts';
import type { Measurement } from './report.ts';
import { stepStats, throughput } from './stats.ts';
import type { BenchData, System } from './systems/types.ts';
import type { Workload } from './workloads.ts';

export interface MeasureOptions {
  /** Timed steps for this system (a slow reference may get fewer than w.steps). */
  steps: number;
  warmup: number;
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
  try {
    let s = 0;
    let t = performance.now();
    const lossFirst = await session.step(s++);
    const firstStepMs = performance.now() - t;
    for (let i = 0; i < o.warmup; i++) await session.step(s++);
    const times: number[] = [];
    let lossLast = lossFirst;
    for (let i = 0; i < o.steps; i++) {
      t = performance.now();
      lossLast = await session.step(s++);
      times.push(performance.now() - t);
      o.progress?.(`${w.name} ${sys.name} step ${i + 1}/${o.steps} ${times[i].toFixed(0)} ms`);
    }
    // The instrumented step: dispatches and peak live GPU buffer bytes over exactly one step.
    resetWindow();
    let peakBytes: number;
    let memoryKind: Measurement['memoryKind'];
    if (session.peakBytesOfStep) {
      peakBytes = await session.peakBytesOfStep(s++);
      memoryKind = 'tensor-bytes';
    } else {
      await session.step(s++);
      const device = sys.gpuDevice();
      peakBytes = device ? devicePeak(device) : 0;
      memoryKind = 'gpu-buffers';
    }
    const kernelsPerStep = sys.dispatchesKernels ? counters.dispatches : null;
    const st = stepStats(times);
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
    };
  } catch (e) {
    return { ...base, status: 'failed', reason: errorText(e) };
  } finally {
    session.dispose();
  }
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];
