// A second CPU WebGPU adapter: Google's SwiftShader (a Vulkan implementation on the CPU), as
// shipped by Debian's `chromium-common` package, driven by Dawn's Vulkan backend.
//
// Why: llvmpipe via Dawn's OpenGL ES backend is compatibility mode only; SwiftShader gives
// core feature level (subgroups, timestamp queries, 1 GiB bindings) on the same machine, so
// the core-only code paths get coverage without a GPU. It is ~3x slower than llvmpipe.
//
// Contract: `findSwiftShaderICD()` returns the path of `vk_swiftshader_icd.json` or null;
// `useSwiftShaderICD()` points the Vulkan loader at it (VK_ICD_FILENAMES, which the loader
// reads when Dawn creates its Vulkan instance, so this must run before `create()`), or returns
// a `DeviceError` with the install hint. `acquireDevice({backend: 'swiftshader'})` calls it.

import { existsSync } from 'node:fs';
import type { DeviceError } from './index.ts';

/** Where Debian's and Ubuntu's chromium packages put the ICD manifest (first hit wins). */
export const SWIFTSHADER_ICD_CANDIDATES: readonly string[] = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium/swiftshader/vk_swiftshader_icd.json',
];

export const SWIFTSHADER_INSTALL_HINT =
  "SwiftShader's Vulkan ICD comes with Debian's chromium package: sudo apt-get install -y chromium libvulkan1 " +
  '(or run `bash scripts/setup.sh --browser`); FTL_SWIFTSHADER_ICD=/path/to/vk_swiftshader_icd.json overrides the search.';

/** The ICD manifest: `FTL_SWIFTSHADER_ICD` if set (and present), else the known install paths. */
export function findSwiftShaderICD(exists: (p: string) => boolean = existsSync): string | null {
  const override = process.env.FTL_SWIFTSHADER_ICD;
  if (override) return exists(override) ? override : null;
  return SWIFTSHADER_ICD_CANDIDATES.find((p) => exists(p)) ?? null;
}

/** Dawn dlopens the system Vulkan loader by name; chromium's private copy is not on its path. */
const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];

/** Make SwiftShader the only Vulkan driver this process sees; the ICD path, or why not. */
export function useSwiftShaderICD(
  exists: (p: string) => boolean = existsSync,
): { icd: string } | DeviceError {
  const icd = findSwiftShaderICD(exists);
  if (!icd)
    return {
      error: 'SwiftShader was requested but its Vulkan ICD (vk_swiftshader_icd.json) was not found.',
      fix: SWIFTSHADER_INSTALL_HINT,
    };
  if (process.platform === 'linux' && !LOADER_DIRS.some((d) => exists(`${d}/libvulkan.so.1`)))
    return {
      error: 'SwiftShader was requested but the Vulkan loader (libvulkan.so.1) is not installed.',
      fix: 'sudo apt-get install -y libvulkan1 (or run `bash scripts/setup.sh --browser`)',
    };
  // Both names: VK_ICD_FILENAMES for older loaders, VK_DRIVER_FILES for loaders >= 1.3.207.
  process.env.VK_ICD_FILENAMES = icd;
  process.env.VK_DRIVER_FILES = icd;
  return { icd };
}
