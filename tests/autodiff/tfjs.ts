// Loads TensorFlow.js (CPU backend) with gradients, as an independent autodiff oracle.
// The CommonJS bundle Node resolves for '@tensorflow/tfjs-core' ships without gradient
// definitions, and its ESM entry cannot load under Node (directory imports), so each
// needed `dist/gradients/<Kernel>_grad.js` module is imported and registered here (all
// of them take seconds; the few a model uses, a fraction of that).

import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

// tfjs is used untyped: its CommonJS bundle is loaded through require.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TF = any;

const registered = new Set<string>();

/** tfjs with the gradients of `kernels` registered (tfjs kernel names: 'Add', 'BatchMatMul', ...). */
export async function loadTf(kernels: readonly string[]): Promise<TF> {
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const dir = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'gradients');
  for (const k of kernels) {
    if (registered.has(k)) continue;
    const mod = await import(join(dir, `${k}_grad.js`));
    for (const v of Object.values(mod)) tf.registerGradient(v);
    registered.add(k);
  }
  tf.env().set('IS_TEST', true); // silences the "install tfjs-node" banner
  await tf.setBackend('cpu');
  return tf;
}

/** Per-tensor relative closeness: max |a - b| <= rtol * max |b|, and b is not all zero. */
export function expectRelClose(name: string, a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): void {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(a.length, name).toBe(b.length);
  expect(scale, `${name} is not all zero`).toBeGreaterThan(0);
  expect(diff / scale, `${name}: max diff ${diff}, scale ${scale}`).toBeLessThan(rtol);
}
