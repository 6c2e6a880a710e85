// Every elementwise op, on WebGPU vs the CPU reference executor, one kernel per op
// (`fuse: false`) and fused, on awkward sizes with poisoned outputs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu, mismatch, runBoth } from './harness.ts';
import { elementwiseCases } from './cases.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

describe('elementwise ops on WebGPU match the CPU executor', () => {
  for (const fuse of [false, true])
    for (const k of elementwiseCases())
      it(`${k.name}${fuse ? ' (fused)' : ''}`, async () => {
        const r = await runBoth(h, k.graph, k.params, k.inputs, { fuse });
        for (const name of Object.keys(k.graph.outputs)) {
          const m = mismatch(r.gpu[name], r.cpu[name], k.rtol ?? 1e-5, k.floor ?? 1e-30);
          expect(m.worst, `${name}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
        }
      });
});
