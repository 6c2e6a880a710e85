// Which Debian packages are missing for Dawn's OpenGL ES backend on Mesa llvmpipe.
// Dawn dlopens `libEGL.so` (the unversioned name, shipped by libegl-dev), which loads Mesa's
// EGL vendor library, which loads the software rasterizer `swrast_dri.so`.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

/** Where Linux distributions put shared libraries (the dynamic loader's usual search path). */
export const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

/** [file relative to a lib dir, Debian package that ships it] */
export const EGL_REQUIREMENTS: readonly [string, string][] = [
  ['libEGL.so.1', 'libegl1'],
  ['libEGL_mesa.so.0', 'libegl-mesa0'],
  ['dri/swrast_dri.so', 'libgl1-mesa-dri'],
  ['libEGL.so', 'libegl-dev'],
];

/** The folder holding dawn.node: a `libEGL.so` symlink there also satisfies Dawn. */
export function dawnDir(): string {
  const require = createRequire(import.meta.url);
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  return join(dirname(require.resolve('webgpu')), 'dist', `${process.platform}-${arch}`);
}

export function missingSystemLibraries(exists: (path: string) => boolean = existsSync): string[] {
  if (process.platform !== 'linux') return [];
  const found = (file: string) =>
    LIB_DIRS.some((d) => exists(join(d, file))) || (file === 'libEGL.so' && exists(join(dawnDir(), file)));
  return EGL_REQUIREMENTS.filter(([file]) => !found(file)).map(([, pkg]) => pkg);
}
