// Matmul micro-benchmark: GFLOP/s of each matmul template at several sizes on the adapter
// it runs on. Run with `npx tsx bench/matmul.ts [--quick]`.
//
// Each case lowers a one-matmul graph to a Plan, runs 2 warm-up steps, then times `iters`
// steps submitted back to back and waits for the queue to drain. FLOPs = 2 M N K.

import { mk } from '../compiler/ir/node.ts';
import { lowerToPlan } from '../compiler/plan/lower.ts';
import { acquireDevice, isDeviceError } from '../runtime/device/index.ts';
import { WebGPUExecutor } from '../runtime/webgpu/executor.ts';

const quick = process.argv.includes('--quick');
const SIZES: [number, number, number][] = quick
  ? [
      [128, 128, 128],
      [256, 256, 256],
    ]
  : [
      [64, 64, 64],
      [128, 128, 128],
      [256, 256, 256],
      [512, 512, 512],
      [1024, 128, 512],
      [1000, 257, 33],
    ];
// register: vec4 loads where eligible (all sizes below with K, N % 4 == 0); scalar: same
// register blocking without vec4; tiled: workgroup-memory tiles (meant for real GPUs).
const VARIANTS = ['register', 'scalar', 'tiled'] as const;

const h = await acquireDevice();
if (isDeviceError(h)) {
  console.error(`${h.error}\n${h.fix}`);
  process.exit(1);
}
console.log(`adapter: ${h.adapterName} (${h.backend}${h.isCPU ? ', CPU' : ''})`);
console.log('   M     K     N  variant    ms/step   GFLOP/s');
for (const [M, K, N] of SIZES) {
  const a = mk('param', [], { name: 'a', role: 'param' }, { shape: [M, K] });
  const b = mk('param', [], { name: 'b', role: 'param' }, { shape: [K, N] });
  const g = { outputs: { c: mk('matmul', [a, b], null) }, updates: [] };
  for (const matmul of VARIANTS) {
    const ex = await WebGPUExecutor.load(lowerToPlan(g, h.limits, { matmul }), h.device);
    ex.setParam('a', new Float32Array(M * K).fill(0.5));
    ex.setParam('b', new Float32Array(K * N).fill(0.25));
    for (let i = 0; i < 2; i++) await ex.step();
    await h.device.queue.onSubmittedWorkDone();
    const flop = 2 * M * N * K;
    const iters = Math.max(3, Math.min(200, Math.round(2e9 / flop)));
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) await ex.step();
    await h.device.queue.onSubmittedWorkDone();
    const ms = (performance.now() - t0) / iters;
    const got = (await ex.readOutputs(['c'])).c;
    if (Math.abs(got[0] - 0.125 * K) > 1e-3 * K)
      throw new Error(`${matmul} ${M}x${K}x${N}: wrong result ${got[0]}`);
    console.log(
      `${String(M).padStart(4)}  ${String(K).padStart(4)}  ${String(N).padStart(4)}  ${matmul.padEnd(9)} ${ms.toFixed(3).padStart(8)}  ${(flop / ms / 1e6).toFixed(2).padStart(8)}`,
    );
    ex.destroy();
  }
}
h.destroy();
