// Acquire one WebGPU device through Dawn (the `webgpu` package).
//
// Order: a native adapter first (Vulkan on Linux, Metal on macOS, D3D12 on Windows); if none
// exists, or it is a software Vulkan we know to be broken, Dawn's OpenGL ES backend in
// compatibility mode on Mesa llvmpipe with a surfaceless EGL display. We request the adapter's
// own limits (compatibility mode defaults to 4 storage buffers per stage; llvmpipe offers 16).
//
// Failure is a value, not an exception: `DeviceError` carries a plain explanation and the fix,
// so `ftl doctor` and `ftl run` can print it and exit non-zero.

import { existsSync, readdirSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { LIB_DIRS, missingSystemLibraries } from './system.ts';
import { useSwiftShaderICD } from './swiftshader.ts';

export type Backend = 'vulkan' | 'metal' | 'd3d12' | 'opengles';

/** The limits the compiler plans against (a subset of GPUSupportedLimits, plain data). */
export interface DeviceLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupsPerDimension: number;
  minStorageBufferOffsetAlignment: number;
}

export interface DeviceHandle {
  device: GPUDevice;
  backend: Backend;
  /** Human-readable adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) via OpenGL ES 3.2 Mesa 22.3.6". */
  adapterName: string;
  /** True for CPU rasterizers (llvmpipe, SwiftShader, lavapipe): kernels are chosen differently. */
  isCPU: boolean;
  featureLevel: 'core' | 'compatibility';
  limits: DeviceLimits;
  /** Destroys the device so the Node process can exit (Dawn keeps it alive otherwise). */
  destroy(): void;
}

export interface DeviceError {
  error: string;
  fix: string;
}

export interface AcquireOptions {
  /**
   * Force one backend; default: `FTL_BACKEND` env var, else auto. 'swiftshader' is Dawn's
   * Vulkan backend on SwiftShader's ICD from Debian's chromium (runtime/device/swiftshader.ts).
   */
  backend?: Backend | 'auto' | 'swiftshader';
}

const LIMIT_KEYS: (keyof DeviceLimits)[] = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'minStorageBufferOffsetAlignment',
];

const CPU_ADAPTER = /llvmpipe|swiftshader|lavapipe|softpipe/i;
const nativeBackend: Backend =
  process.platform === 'darwin' ? 'metal' : process.platform === 'win32' ? 'd3d12' : 'vulkan';

let globalsInstalled = false;
function installGlobals(): void {
  // GPUBufferUsage, GPUMapMode, ... are used as globals by executor code.
  if (!globalsInstalled) Object.assign(globalThis, globals);
  globalsInstalled = true;
}

/** Is a Vulkan loader present? Without one Dawn only prints a warning, so skip it quietly. */
function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  if (!LIB_DIRS.some((d) => existsSync(`${d}/libvulkan.so.1`))) return false;
  // A loader with no driver manifest (libvulkan1 installed for SwiftShader, which is selected
  // explicitly) finds nothing and Dawn prints warnings: only try Vulkan when a driver exists.
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  const icdDirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  return icdDirs.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')));
}

const liveInstances: GPU[] = [];

async function tryAdapter(backend: Backend): Promise<GPUAdapter | null> {
  const compat = backend === 'opengles';
  if (compat && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const gpu = create([`backend=${backend}`]);
  // Dawn crashes (futex / pthread asserts) if the instance is garbage-collected while its
  // devices live: keep every instance reachable for the life of the process.
  liveInstances.push(gpu);
  try {
    return await gpu.requestAdapter(
      compat ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' },
    );
  } catch {
    return null;
  }
}

function adapterName(a: GPUAdapter): string {
  const { vendor, architecture, device, description } = a.info;
  // Dawn's GLES adapter reports e.g. device "llvmpipe-llvm-15-0-6-256-bits-" and description
  // "OpenGL version OpenGL ES 3.2 Mesa 22.3.6": show the device first, the API second.
  const dev = device.replace(/-+$/, '');
  const api = description.replace(/^OpenGL version /, '');
  return [dev, api, vendor, architecture].filter((s) => s && s.length).join(', ') || 'unknown adapter';
}

export async function acquireDevice(opts: AcquireOptions = {}): Promise<DeviceHandle | DeviceError> {
  installGlobals();
  let forced = opts.backend ?? (process.env.FTL_BACKEND as Backend | 'swiftshader' | undefined) ?? 'auto';
  if (forced === 'swiftshader') {
    const icd = useSwiftShaderICD();
    if ('error' in icd) return icd;
    forced = 'vulkan';
  }
  const order: Backend[] =
    forced !== 'auto'
      ? [forced]
      : hasVulkanLoader() || nativeBackend !== 'vulkan'
        ? [nativeBackend, 'opengles']
        : ['opengles'];

  for (const backend of order) {
    const adapter = await tryAdapter(backend);
    if (!adapter) continue;
    const name = adapterName(adapter);
    // Mesa's lavapipe 22.3 advertises Vulkan but fails Dawn's compute pipelines: prefer GLES.
    if (forced === 'auto' && backend !== 'opengles' && /lavapipe|llvmpipe/i.test(name)) continue;
    const requiredLimits: Record<string, number> = {};
    for (const k of LIMIT_KEYS) requiredLimits[k] = adapter.limits[k];
    const device = await adapter.requestDevice({ requiredLimits });
    const limits = Object.fromEntries(
      LIMIT_KEYS.map((k) => [k, device.limits[k]]),
    ) as unknown as DeviceLimits;
    return {
      device,
      backend,
      adapterName: name,
      isCPU: CPU_ADAPTER.test(name),
      featureLevel: backend === 'opengles' ? 'compatibility' : 'core',
      limits,
      destroy: () => device.destroy(),
    };
  }
  const missing = missingSystemLibraries();
  return {
    error: `No WebGPU adapter could be created (tried: ${order.join(', ')}).`,
    fix: missing.length
      ? `Install the missing system packages: sudo apt-get install -y ${missing.join(' ')}`
      : "Install a GPU driver with Vulkan support, or Mesa's software OpenGL: sudo apt-get install -y libegl1 libegl-mesa0 libgl1-mesa-dri libegl-dev",
  };
}

export const isDeviceError = (x: DeviceHandle | DeviceError): x is DeviceError => 'error' in x;
