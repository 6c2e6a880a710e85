// A self-test kernel for `ftl doctor` and CI: a small matrix product plus a transcendental
// epilogue, run on the device and compared with the same computation on the CPU.
// It exercises storage buffers, a uniform-free dispatch, 2 workgroups and async readback.

import type { DeviceHandle } from './index.ts';

const M = 7; // rows of A (odd on purpose: tests the bounds check)
const K = 33;
const N = 5;

const WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;        // (M, K)
@group(0) @binding(1) var<storage, read> b: array<f32>;        // (K, N)
@group(0) @binding(2) var<storage, read_write> c: array<f32>;  // (M, N)
@compute @workgroup_size(32)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= ${M * N}u) { return; }
  let row = i / ${N}u;
  let col = i % ${N}u;
  var acc = 0.0;
  for (var k = 0u; k < ${K}u; k++) { acc += a[row * ${K}u + k] * b[k * ${N}u + col]; }
  c[i] = tanh(acc) + exp(-abs(acc));
}`;

function cpuReference(a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float32Array(M * N);
  for (let r = 0; r < M; r++)
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += a[r * K + k] * b[k * N + j];
      c[r * N + j] = Math.tanh(acc) + Math.exp(-Math.abs(acc));
    }
  return c;
}

export interface SelfTestResult {
  ok: boolean;
  maxRelError: number;
  elements: number;
  millis: number;
}

export async function selfTest(h: DeviceHandle): Promise<SelfTestResult> {
  const t0 = performance.now();
  const { device } = h;
  // Deterministic inputs in [-0.5, 0.5): an LCG is enough here.
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
  const a = Float32Array.from({ length: M * K }, rnd);
  const b = Float32Array.from({ length: K * N }, rnd);
  const storage = (data: Float32Array) => {
    const buf = device.createBuffer({
      size: data.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(buf, 0, data);
    return buf;
  };
  const bufA = storage(a);
  const bufB = storage(b);
  const bufC = device.createBuffer({
    size: M * N * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
  });
  const readback = device.createBuffer({
    size: M * N * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: WGSL }), entryPoint: 'main' },
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [bufA, bufB, bufC].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil((M * N) / 32));
  pass.end();
  enc.copyBufferToBuffer(bufC, 0, readback, 0, M * N * 4);
  device.queue.submit([enc.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const got = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  for (const buf of [bufA, bufB, bufC, readback]) buf.destroy();

  const want = cpuReference(a, b);
  let maxRelError = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) / Math.max(1e-6, Math.abs(want[i]));
    maxRelError = Number.isFinite(err) ? Math.max(maxRelError, err) : Infinity;
  }
  // WGSL's exp/tanh are not correctly rounded: llvmpipe lands ~6e-6 away, SwiftShader ~3e-5.
  return { ok: maxRelError < 1e-4, maxRelError, elements: want.length, millis: performance.now() - t0 };
}
