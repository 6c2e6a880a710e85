// Reduction micro-benchmark: the serial template (one invocation per output) against the
// workgroup-tree template (one workgroup per output) at the shapes training graphs use,
// and what lowerToPlan picks by default on this adapter. Run with `npx tsx bench/reduce.ts`.
// On llvmpipe barriers are expensive: serial won at every shape measured (even a 2^20-element
// sum: 2 ms against 32 ms), so CPU adapters default to serial.

import { mk } from '../compiler/ir/node.ts';
import type { Shape } from '../compiler/ir/ops.ts';
import { lowerToPlan } from '../compiler/plan/lower.ts';
import { acquireDevice, isDeviceError } from '../runtime/device/index.ts';
import { WebGPUExecutor } from '../runtime/webgpu/executor.ts';

const CASES: [Shape, number[], string][] = [
  [[256, 32], [1], 'layernorm row, d=32'],
  [[8, 32, 256], [2], 'softmax row, vocab 256'],
  [[256, 128], [0], 'bias gradient'],
  [[32, 32], [0, 1], 'small full (grad norm)'],
  [[1 << 20], [0], 'large full'],
];

const h = await acquireDevice();
if (isDeviceError(h)) {
  console.error(`${h.error}\n${h.fix}`);
  process.exit(1);
}
console.log(`adapter: ${h.adapterName} (${h.backend})`);
console.log('shape            axes   case                     serial ms  workgroup ms  default here');
for (const [shape, axes, what] of CASES) {
  const x = mk('param', [], { name: 'x', role: 'param' }, { shape });
  const g = { outputs: { s: mk('reduce_sum', [x], { axes }) }, updates: [] };
  const ms: number[] = [];
  for (const reduce of ['serial', 'workgroup'] as const) {
    const ex = await WebGPUExecutor.load(lowerToPlan(g, h.limits, { reduce, merge: false }), h.device);
    ex.setParam('x', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1));
    await ex.step();
    await h.device.queue.onSubmittedWorkDone();
    const iters = 20;
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) await ex.step();
    await h.device.queue.onSubmittedWorkDone();
    ms.push((performance.now() - t0) / iters);
    ex.destroy();
  }
  const plan = lowerToPlan(g, h.limits, { isCPU: h.isCPU, merge: false });
  const picked = plan.kernels[0].wgsl.includes('workgroupBarrier') ? 'workgroup' : 'serial';
  console.log(
    `${JSON.stringify(shape).padEnd(16)} ${JSON.stringify(axes).padEnd(6)} ${what.padEnd(24)} ${ms[0].toFixed(3).padStart(9)}  ${ms[1].toFixed(3).padStart(12)}  ${picked}`,
  );
}
h.destroy();
