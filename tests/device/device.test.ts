// The WebGPU device: an adapter must be found here (llvmpipe in CI), a WGSL kernel must run
// and match the CPU. No skipping when there is no GPU: that is exactly what CI checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import { selfTest } from '../../runtime/device/selftest.ts';
import { EGL_REQUIREMENTS, missingSystemLibraries } from '../../runtime/device/system.ts';

describe('device', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    const r = await acquireDevice();
    if (isDeviceError(r)) throw new Error(`${r.error} ${r.fix}`);
    h = r;
  });
  afterAll(() => h?.destroy());

  it('names its adapter and requests the adapter limits', () => {
    expect(h.adapterName.length).toBeGreaterThan(0);
    expect(h.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(h.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    console.log(`[device] ${h.backend}: ${h.adapterName}`);
  });

  it('runs a WGSL kernel that matches the CPU result', async () => {
    const r = await selfTest(h);
    console.log(
      `[device] self-test max relative error ${r.maxRelError.toExponential(2)} over ${r.elements} elements`,
    );
    expect(r.ok).toBe(true);
    expect(r.maxRelError).toBeLessThan(1e-5);
  });
});

describe('missing system libraries', () => {
  it('names the Debian package for each missing file', () => {
    const none = missingSystemLibraries(() => false);
    if (process.platform === 'linux') expect(none).toEqual(EGL_REQUIREMENTS.map(([, p]) => p));
    const onlyDev = missingSystemLibraries((p) => !p.endsWith('/libEGL.so'));
    if (process.platform === 'linux') expect(onlyDev).toEqual(['libegl-dev']);
    expect(missingSystemLibraries(() => true)).toEqual([]);
  });
});
