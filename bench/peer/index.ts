// TensorFlow.js as a bench System: the 'webgpu' backend on Dawn (the peer the targets are
// measured against) or the 'cpu' backend (a second reference). Loaded by bench/systems/tfjs.ts
// through a dynamic import, because its packages live in bench/node_modules, installed on demand.
//
// Imported through the union package '@tensorflow/tfjs': its Node bundle registers the gradient
// functions and the CPU backend (tfjs-core's own Node bundle has no gradients).
//
// One training step = inputs uploaded, loss and gradients of the trainable variables
// (tf.variableGrads: tfjs only differentiates toward the variables it is given), AdamW as
// tfjs's Adam plus decoupled weight decay (tfjs has no AdamW), and the loss read back.

import * as tf from '@tensorflow/tfjs';
import type { BenchData, Prepared, Session, System } from '../systems/types.ts';
import type { GptConfig, MlpConfig, Workload } from '../workloads.ts';
import { mlpBatch, tokenBatch } from '../data.ts';
import { causalMask, gptLoss, initGpt, trainableNames, type Params } from './gpt.ts';
import { initMlp, mlpLoss } from './mlp.ts';
import { installNavigatorGpu, type DawnBackend } from './navigator.ts';

export type TfjsBackend = 'webgpu' | 'cpu';

/** Start tfjs on `backend`; for 'webgpu', on Dawn with the given Dawn backend. */
export async function createTfjsSystem(backend: TfjsBackend, dawn: DawnBackend): Promise<System> {
  if (backend === 'webgpu') {
    installNavigatorGpu(dawn);
    await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' now that navigator.gpu exists
  }
  // Production mode, as one benchmarks: no debug checks, and no hint to install tfjs-node.
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  await tf.ready();
  const description = describe(backend, dawn);
  return {
    name: `tfjs-${backend}`,
    role: backend === 'webgpu' ? 'peer' : 'reference',
    description,
    dispatchesKernels: backend === 'webgpu',
    gpuDevice: () => (backend === 'webgpu' ? webgpuBackend().device : undefined),
    prepare: (w, data) => prepare(backend, w, data),
    destroy: () => {},
  };
}

interface WebGPUBackendLike {
  device: GPUDevice;
  adapterInfo?: { vendor?: string; architecture?: string; description?: string };
  bufferManager?: {
    freeBuffers: Map<string, GPUBuffer[]>;
    numFreeBuffers: number;
    numBytesAllocated: number;
  };
}
const webgpuBackend = () => tf.findBackend('webgpu') as unknown as WebGPUBackendLike;

/**
 * Destroy the buffers tfjs's WebGPU backend keeps in its free pool, so the next workload's
 * peak starts from what it allocates itself (tfjs pools buffers forever otherwise).
 */
function releasePooledBuffers(): void {
  const bm = webgpuBackend()?.bufferManager;
  if (!bm) return;
  for (const list of bm.freeBuffers.values()) {
    for (const b of list) {
      bm.numBytesAllocated -= b.size;
      b.destroy();
    }
    list.length = 0;
  }
  bm.numFreeBuffers = 0;
}

function describe(backend: TfjsBackend, dawn: DawnBackend): string {
  if (backend === 'cpu') return `TensorFlow.js ${tf.version_core} cpu backend (plain JS, 1 thread)`;
  const info = webgpuBackend().adapterInfo;
  const name = [info?.description, info?.vendor, info?.architecture].filter((s) => s).join(' · ');
  return `TensorFlow.js ${tf.version_core} webgpu backend on Dawn/${dawn}${name ? ` (${name})` : ''}`;
}

async function prepare(backend: TfjsBackend, w: Workload, data: BenchData): Promise<Prepared> {
  if (w.ftlOnly) return { unavailable: 'not expressed for the peer (ftl-only workload)' };
  await tf.setBackend(backend);
  const c = w.config;
  return { session: c.kind === 'mlp' ? mlpSession(c, data) : gptSession(c, data) };
}

interface Model {
  params: Params;
  trainable: tf.Variable[];
  lr: number;
  weightDecay: number;
  /** Parameters that start from the shared initial values. */
  shared: number;
  /** Build this step's inputs and return the loss function over them. */
  lossFor(s: number): { loss: () => tf.Scalar; inputs: tf.Tensor[] };
  constants: tf.Tensor[];
}

/** Overwrite parameters with same-named, same-sized values from `initial`; returns how many. */
function shareInitial(params: Params, initial: BenchData['initial']): number {
  let n = 0;
  for (const [name, v] of params) {
    const value = initial?.get(name);
    if (value && value.length === v.size) {
      v.assign(tf.tensor(value, v.shape));
      n++;
    }
  }
  return n;
}

function gptSession(c: GptConfig, data: BenchData): Session {
  const params = initGpt(c);
  const shared = shareInitial(params, data.initial);
  const mask = causalMask(c.ctx);
  const names = new Set(trainableNames(c, params));
  return session({
    params,
    trainable: [...params].filter(([n]) => names.has(n)).map(([, v]) => v),
    lr: c.lr,
    weightDecay: c.weightDecay,
    shared,
    constants: [mask],
    lossFor: (s) => {
      const tokens = tf.tensor2d(tokenBatch(data.bytes, c.batch, c.ctx, s), [c.batch, c.ctx], 'int32');
      return { loss: () => gptLoss(c, params, tokens, mask), inputs: [tokens] };
    },
  });
}

function mlpSession(c: MlpConfig, data: BenchData): Session {
  const params = initMlp(c);
  const shared = shareInitial(params, data.initial);
  const inputs = c.sizes[0];
  const classes = c.sizes[c.sizes.length - 1];
  return session({
    params,
    trainable: [...params.values()],
    lr: c.lr,
    weightDecay: 0,
    shared,
    constants: [],
    lossFor: (s) => {
      const b = mlpBatch(c.batch, inputs, classes, s);
      const x = tf.tensor2d(b.x, [c.batch, inputs]);
      const labels = tf.tensor1d(b.labels, 'int32');
      return { loss: () => mlpLoss(c, params, x, labels), inputs: [x, labels] };
    },
  });
}

function session(m: Model): Session {
  const opt = tf.train.adam(m.lr, 0.9, 0.999, 1e-8);
  const decay = 1 - m.lr * m.weightDecay;
  const step = async (s: number): Promise<number> => {
    const { loss, inputs } = m.lossFor(s);
    const { value, grads } = tf.variableGrads(loss, m.trainable);
    // AdamW (decoupled): p <- p (1 - lr wd), then the Adam update with the gradient taken at p.
    if (m.weightDecay > 0) tf.tidy(() => m.trainable.forEach((v) => v.assign(tf.mul(v, decay))));
    opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    const out = (await value.data())[0];
    tf.dispose([value, ...Object.values(grads), ...inputs]);
    return out;
  };
  return {
    step,
    sharedInitial: m.shared,
    peakBytesOfStep:
      tf.getBackend() === 'cpu' ? async (s) => (await tf.profile(() => step(s))).peakBytes : undefined,
    dispose: () => {
      opt.dispose();
      tf.dispose([...m.params.values(), ...m.constants]);
      if (tf.getBackend() === 'webgpu') releasePooledBuffers();
    },
  };
}
