// bench/gpu-counters.ts on stand-in WebGPU classes: dispatches counted, bytes kept per device.
import { describe, expect, it } from 'vitest';
import { counters, installGpuCounters, liveBytes, peakBytes, resetWindow } from '../../bench/gpu-counters.ts';

class FakeBuffer {
  destroyed = false;
  destroy() {
    this.destroyed = true;
  }
}
class FakeDevice {
  createBuffer(_desc: { size: number }) {
    return new FakeBuffer();
  }
}
class FakePass {
  calls = 0;
  dispatchWorkgroups(_x: number) {
    this.calls++;
  }
  dispatchWorkgroupsIndirect() {
    this.calls++;
  }
}

describe('gpu counters', () => {
  installGpuCounters({
    GPUComputePassEncoder: FakePass,
    GPUDevice: FakeDevice,
    GPUBuffer: FakeBuffer,
  } as never);
  const dev = (d: FakeDevice) => d as unknown as GPUDevice;

  it('counts dispatches and still calls the original', () => {
    resetWindow();
    const p = new FakePass();
    for (let i = 0; i < 7; i++) p.dispatchWorkgroups(1);
    p.dispatchWorkgroupsIndirect();
    expect(counters.dispatches).toBe(8);
    expect(p.calls).toBe(8);
    resetWindow();
    expect(counters.dispatches).toBe(0);
  });

  it('tracks live and peak bytes per device', () => {
    const a = new FakeDevice();
    const b = new FakeDevice();
    const a1 = a.createBuffer({ size: 1000 });
    const a2 = a.createBuffer({ size: 500 });
    b.createBuffer({ size: 64 });
    expect([liveBytes(dev(a)), peakBytes(dev(a)), liveBytes(dev(b))]).toEqual([1500, 1500, 64]);
    a2.destroy();
    expect(a2.destroyed).toBe(true);
    expect(liveBytes(dev(a))).toBe(1000);
    resetWindow(); // the window's peak starts from what is live: 1000
    expect(peakBytes(dev(a))).toBe(1000);
    const a3 = a.createBuffer({ size: 300 });
    a3.destroy();
    a1.destroy();
    a1.destroy(); // a second destroy does not count twice
    expect([liveBytes(dev(a)), peakBytes(dev(a)), peakBytes(dev(b))]).toEqual([0, 1300, 64]);
  });
});
