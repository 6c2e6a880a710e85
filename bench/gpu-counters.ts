// Process-wide WebGPU counters shared by every system under test, so ftl and the peer are
// measured by the same instrument: compute dispatches (GPUComputePassEncoder.dispatchWorkgroups
// and its indirect form) and, per GPUDevice, live GPUBuffer bytes (createBuffer minus destroy)
// with a resettable peak. Installed once by patching the prototypes in the `webgpu` package's
// globals; every Dawn device in the process goes through them.
//
// Systems run one at a time, so one dispatch counter suffices; bytes are kept per device so
// one system's leftovers never count toward another's peak. A buffer that a system keeps in
// its own free pool (tfjs does) is still live: pooled memory is memory the device holds.

interface Globals {
  GPUComputePassEncoder: { prototype: GPUComputePassEncoder };
  GPUDevice: { prototype: GPUDevice };
  GPUBuffer: { prototype: GPUBuffer };
}

interface DeviceBytes {
  live: number;
  peak: number;
}

export const counters = { dispatches: 0 };

const perDevice = new Map<GPUDevice, DeviceBytes>();
const owner = new WeakMap<GPUBuffer, { device: DeviceBytes; size: number }>();
let installed = false;

/** Patch the prototypes once; safe to call again. */
export function installGpuCounters(globals: Globals): void {
  if (installed) return;
  installed = true;
  const pass = globals.GPUComputePassEncoder.prototype;
  const dispatch = pass.dispatchWorkgroups;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<typeof dispatch>) {
    counters.dispatches++;
    return dispatch.apply(this, args);
  };
  const indirect = pass.dispatchWorkgroupsIndirect;
  pass.dispatchWorkgroupsIndirect = function (
    this: GPUComputePassEncoder,
    ...args: Parameters<typeof indirect>
  ) {
    counters.dispatches++;
    return indirect.apply(this, args);
  };

  const dev = globals.GPUDevice.prototype;
  const createBuffer = dev.createBuffer;
  dev.createBuffer = function (this: GPUDevice, desc: GPUBufferDescriptor) {
    const buf = createBuffer.call(this, desc);
    let d = perDevice.get(this);
    if (!d) perDevice.set(this, (d = { live: 0, peak: 0 }));
    owner.set(buf, { device: d, size: desc.size });
    d.live += desc.size;
    d.peak = Math.max(d.peak, d.live);
    return buf;
  };
  const bufProto = globals.GPUBuffer.prototype;
  const destroy = bufProto.destroy;
  bufProto.destroy = function (this: GPUBuffer) {
    const o = owner.get(this);
    if (o) {
      o.device.live -= o.size;
      owner.delete(this);
    }
    return destroy.call(this);
  };
}

/** Start a measurement window: zero the dispatch count; each device's peak := its live bytes. */
export function resetWindow(): void {
  counters.dispatches = 0;
  for (const d of perDevice.values()) d.peak = d.live;
}

/** Peak live buffer bytes of `device` since the last resetWindow (0 if it never allocated). */
export function peakBytes(device: GPUDevice): number {
  return perDevice.get(device)?.peak ?? 0;
}

export function liveBytes(device: GPUDevice): number {
  return perDevice.get(device)?.live ?? 0;
}
