// Give TensorFlow.js's WebGPU backend a `navigator.gpu` backed by Dawn (the `webgpu` package),
// on the same backend ftl picks (runtime/device): a native adapter when there is one, else Dawn's
// OpenGL ES backend on Mesa llvmpipe in compatibility mode.
//
// tfjs asks for an adapter with only `powerPreference` and a device with six limits; on GLES it
// must get a compatibility adapter and, because compatibility mode defaults to 4 storage buffers
// per stage (tfjs kernels bind more), the adapter's own limits. We wrap requestAdapter and
// requestDevice to add both. Must run before '@tensorflow/tfjs-backend-webgpu' is imported: it
// decides at import time whether to register the 'webgpu' backend.

import { create, globals } from 'webgpu';

export type DawnBackend = 'vulkan' | 'metal' | 'd3d12' | 'opengles';

export interface InstalledGpu {
  backend: DawnBackend;
}

let installed: InstalledGpu | undefined;

export function installNavigatorGpu(backend: DawnBackend): InstalledGpu {
  if (installed) return installed;
  const compat = backend === 'opengles';
  if (compat && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  Object.assign(globalThis, globals);
  const gpu = create([`backend=${backend}`]);
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (opts?: GPURequestAdapterOptions) => {
    const adapter = await requestAdapter(compat ? { ...opts, featureLevel: 'compatibility' } : opts);
    if (!adapter) return adapter;
    const requestDevice = adapter.requestDevice.bind(adapter);
    adapter.requestDevice = (desc?: GPUDeviceDescriptor) => {
      const requiredLimits: Record<string, number> = {};
      // Every numeric limit the adapter reports: GPUSupportedLimits' fields are prototype getters.
      for (const key in adapter.limits) {
        const v = (adapter.limits as unknown as Record<string, unknown>)[key];
        if (typeof v === 'number') requiredLimits[key] = v;
      }
      return requestDevice({ ...desc, requiredLimits: { ...requiredLimits, ...desc?.requiredLimits } });
    };
    return adapter;
  };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else (globalThis as { navigator?: object }).navigator = { gpu };
  installed = { backend };
  return installed;
}
