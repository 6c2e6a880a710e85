// bench/measure.ts with stand-in systems: step bookkeeping, the time cap, the instrumented
// step's kernel count, failures and unavailability, and that sessions are always disposed.
import { describe, expect, it } from 'vitest';
import { counters } from '../../bench/gpu-counters.ts';
import { measure } from '../../bench/measure.ts';
import type { Prepared, Session, System } from '../../bench/systems/types.ts';
import { workloads } from '../../bench/workloads.ts';

const w = workloads(true).find((x) => x.name === 'gpt')!;
const data = { bytes: new Uint8Array(4096), corpusSource: 'test' };

/** A system whose step s returns loss 10 - s and "dispatches" s + 1 kernels. */
function fakeSystem(opts: { failAt?: number; unavailable?: string; peak?: number } = {}) {
  const log = { steps: [] as number[], disposed: 0 };
  const session: Session = {
    step: async (s) => {
      if (s === opts.failAt) throw new Error(`step ${s} broke\nstack`);
      log.steps.push(s);
      counters.dispatches += s + 1;
      return 10 - s;
    },
    peakBytesOfStep: opts.peak === undefined ? undefined : async () => opts.peak!,
    dispose: () => log.disposed++,
  };
  const sys: System = {
    name: 'fake',
    role: 'peer',
    description: 'fake',
    dispatchesKernels: true,
    gpuDevice: () => undefined,
    prepare: async (): Promise<Prepared> =>
      opts.unavailable ? { unavailable: opts.unavailable } : { session },
    destroy: () => {},
  };
  return { sys, log };
}

describe('bench measure', () => {
  it('runs the first step, warm-up, then the timed steps; counts kernels over the last', async () => {
    const { sys, log } = fakeSystem();
    const m = await measure(sys, w, data, { steps: 4, warmup: 2 });
    // Steps 0 (first), 1-2 (warm-up), 3-6 (timed); the last timed step is 6: 7 dispatches.
    expect(log.steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(m.status).toBe('ok');
    expect([m.steps, m.lossFirst, m.lossLast, m.kernelsPerStep]).toEqual([4, 10, 4, 7]);
    expect(m.itemsPerS).toBeCloseTo((w.itemsPerStep * 1000) / m.medianMs!, 9);
    expect(m.memoryKind).toBe('gpu-buffers');
    expect(log.disposed).toBe(1);
  });

  it('stops timing past its cap, after at least 3 steps', async () => {
    const { sys, log } = fakeSystem();
    const m = await measure(sys, w, data, { steps: 20, warmup: 2, maxSeconds: 0 });
    expect(m.steps).toBe(3);
    expect(log.steps).toEqual([0, 1, 2, 3]); // warm-up skipped once over time
  });

  it('uses the session profiler for memory where there are no GPU buffers', async () => {
    const { sys, log } = fakeSystem({ peak: 12345 });
    const m = await measure(sys, w, data, { steps: 2, warmup: 0 });
    expect([m.peakBytes, m.memoryKind]).toEqual([12345, 'tensor-bytes']);
    expect(log.steps).toEqual([0, 1, 2]); // the profiled step is an extra one the fake does not log
  });

  it('reports a failing step with its first line, and still disposes', async () => {
    const { sys, log } = fakeSystem({ failAt: 2 });
    const m = await measure(sys, w, data, { steps: 4, warmup: 1 });
    expect([m.status, m.reason]).toEqual(['failed', 'step 2 broke']);
    expect(log.disposed).toBe(1);
  });

  it('passes on why a system cannot run a workload', async () => {
    const { sys } = fakeSystem({ unavailable: 'not expressed' });
    const m = await measure(sys, w, data, { steps: 4, warmup: 1 });
    expect([m.status, m.reason]).toEqual(['unavailable', 'not expressed']);
  });
});
