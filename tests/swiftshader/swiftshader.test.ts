// SwiftShader (Vulkan on the CPU, from Debian's chromium package) as a second WebGPU adapter:
// core feature level where llvmpipe/GLES is compatibility only. examples/mlp.ftl, compiled for
// SwiftShader's limits, trains 5 steps on it and its losses equal the CPU reference executor's
// within 1e-5 relative. Without the ICD this FAILS with the install hint: never skips.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import { findSwiftShaderICD, useSwiftShaderICD } from '../../runtime/device/swiftshader.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { cpuLosses, mlpCase, worstRelative } from '../browser/mlp-case.ts';

const STEPS = 5;

describe('SwiftShader adapter', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    const r = await acquireDevice({ backend: 'swiftshader' });
    if (isDeviceError(r)) throw new Error(`${r.error} Fix: ${r.fix}`);
    h = r;
  });
  afterAll(() => h?.destroy());

  it('is a core-feature-level Vulkan CPU adapter named SwiftShader', () => {
    console.log(`[swiftshader] ${h.backend}: ${h.adapterName} (ICD ${findSwiftShaderICD()})`);
    expect(h.backend).toBe('vulkan');
    expect(h.featureLevel).toBe('core');
    expect(h.adapterName).toMatch(/swiftshader/i);
    expect(h.isCPU).toBe(true);
    // Core mode's 1 GiB bindings (GLES compatibility on llvmpipe offers far less).
    expect(h.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(2 ** 27);
  });

  const cases: ['adamw' | 'sgd', number][] = [
    ['sgd', 1e-5],
    // AdamW's sign-like first steps amplify last-ulp gradient differences (see mlp-case.ts):
    // llvmpipe drifts ~4e-5 from the CPU executor on this recipe too.
    ['adamw', 1e-4],
  ];
  it.each(cases)(
    `trains examples/mlp.ftl (optim %s) ${STEPS} steps with the CPU executor's losses (%s relative)`,
    async (optim, tol) => {
      const c = mlpCase(h.limits, h.isCPU, STEPS, optim);
      const ex = await WebGPUExecutor.load(c.plan, h.device, `webgpu: ${h.adapterName}`);
      for (const [k, v] of c.params) ex.setParam(k, v);
      const gpu: number[] = [];
      for (const b of c.batches) {
        for (const [k, v] of Object.entries(b)) ex.setInput(k, v);
        await ex.step();
        gpu.push((await ex.readOutputs(['loss'])).loss[0]);
      }
      ex.destroy();
      const cpu = await cpuLosses(c);
      const worst = worstRelative(gpu, cpu);
      console.log(
        `[swiftshader] ${optim} losses ${gpu.map((v) => v.toFixed(6)).join(' ')}, worst relative ${worst.toExponential(2)}`,
      );
      expect(worst, `swiftshader ${gpu} vs cpu ${cpu}`).toBeLessThanOrEqual(tol);
      expect(cpu[STEPS - 1]).toBeLessThan(cpu[0]); // it trains
    },
  );
});

describe('SwiftShader ICD discovery', () => {
  it('finds the manifest by the override, then the known paths, else says how to install', () => {
    const saved = process.env.FTL_SWIFTSHADER_ICD;
    try {
      delete process.env.FTL_SWIFTSHADER_ICD;
      expect(findSwiftShaderICD((p) => p === '/usr/lib/chromium/vk_swiftshader_icd.json')).toBe(
        '/usr/lib/chromium/vk_swiftshader_icd.json',
      );
      expect(findSwiftShaderICD(() => false)).toBeNull();
      process.env.FTL_SWIFTSHADER_ICD = '/opt/x/icd.json';
      expect(findSwiftShaderICD((p) => p === '/opt/x/icd.json')).toBe('/opt/x/icd.json');
      expect(findSwiftShaderICD(() => false)).toBeNull();
      const r = useSwiftShaderICD(() => false);
      expect('error' in r && r.fix).toMatch(/apt-get install -y chromium/);
    } finally {
      if (saved === undefined) delete process.env.FTL_SWIFTSHADER_ICD;
      else process.env.FTL_SWIFTSHADER_ICD = saved;
    }
  });
});
