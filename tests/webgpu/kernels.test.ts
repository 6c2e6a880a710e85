// Movement, reduction, matmul, gather/scatter and rand kernels on WebGPU vs the CPU
// reference executor, unfused (one kernel per op) and fused, every template variant.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu, mismatch, runBoth } from './harness.ts';
import type { Case } from './cases.ts';
import { indexingCases, matmulCases, movementCases, reduceCases } from './cases-kernels.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

type Variant = Case & { reduce?: 'serial' | 'workgroup'; matmul?: 'register' | 'scalar' | 'tiled' };

function check(groups: Record<string, () => Case[]>) {
  for (const [group, make] of Object.entries(groups))
    describe(group, () => {
      for (const fuse of [false, true])
        for (const k of make() as Variant[])
          it(`${k.name}${fuse ? ' (fused)' : ''}`, async () => {
            const r = await runBoth(h, k.graph, k.params, k.inputs, {
              fuse,
              reduce: k.reduce,
              matmul: k.matmul,
            });
            for (const name of Object.keys(k.graph.outputs)) {
              const m = mismatch(r.gpu[name], r.cpu[name], k.rtol ?? 1e-5, k.floor ?? 1e-30);
              expect(m.worst, `${name}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
            }
          });
    });
}

check({ movement: movementCases, reduce: reduceCases, matmul: matmulCases, indexing: indexingCases });
