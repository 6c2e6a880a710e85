// `ftl doctor`: which WebGPU adapter ftl would use, its limits, and a self-test kernel
// checked against the CPU. Exits non-zero with the fix when no adapter can be had.

import type { Command } from 'commander';
import { acquireDevice, isDeviceError, type Backend } from '../../runtime/device/index.ts';
import { selfTest } from '../../runtime/device/selftest.ts';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

export function register(program: Command): void {
  program
    .command('doctor')
    .description('show the WebGPU adapter ftl would use and run a self-test kernel')
    .option('--backend <name>', 'force a backend: vulkan, metal, d3d12, opengles')
    .action(async (opts: { backend?: Backend }) => {
      const h = await acquireDevice({ backend: opts.backend });
      if (isDeviceError(h)) {
        console.error(`error: ${h.error}\n  fix: ${h.fix}`);
        process.exitCode = 1;
        return;
      }
      const l = h.limits;
      console.log(`adapter:  ${h.adapterName}${h.isCPU ? ' (CPU rasterizer)' : ''}`);
      console.log(`backend:  ${h.backend} (${h.featureLevel})`);
      console.log(
        `limits:   max storage binding ${mib(l.maxStorageBufferBindingSize)}, max buffer ${mib(l.maxBufferSize)},`,
      );
      console.log(
        `          ${l.maxStorageBuffersPerShaderStage} storage buffers per stage, ` +
          `${l.maxComputeWorkgroupStorageSize} B workgroup storage, ${l.maxComputeInvocationsPerWorkgroup} invocations per workgroup`,
      );
      const r = await selfTest(h);
      console.log(
        `selftest: ${r.ok ? 'ok' : 'FAILED'}: WGSL matmul+tanh/exp kernel vs CPU, ${r.elements} elements, ` +
          `max relative error ${r.maxRelError.toExponential(2)}, ${r.millis.toFixed(0)} ms`,
      );
      h.destroy();
      if (!r.ok) process.exitCode = 1;
    });
}
