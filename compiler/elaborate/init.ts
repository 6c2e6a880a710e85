// Host-side parameter initialisation, deterministic from one integer seed.
//
// Each parameter draws from the counter-based generator of runtime/rng.ts with
// stream = FNV-1a hash of its full dotted name, so a parameter's initial value depends only
// on (seed, name, shape, init): adding a LoRA adapter does not change the base weights, and
// the same recipe always starts from the same numbers on every machine.
// Split parameters (trainable row ranges) are drawn whole, then cut into their leaves.

import { evaluateNodes } from '../../runtime/cpu/index.ts';
import { normal, uniform } from '../../runtime/rng.ts';
import { maskLeafValue } from '../features/mask-leaves.ts';
import {
  allParams,
  leavesOf,
  type InitSpec,
  type ModuleInst,
  type ParamLeaf,
  type ParamSpec,
} from './tree.ts';

export function nameStream(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function initTensor(
  init: InitSpec,
  shape: readonly number[],
  seed: number,
  stream: number,
): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  switch (init.kind) {
    case 'zeros':
      return out;
    case 'data':
      return Float32Array.from(init.data);
    case 'expr':
      throw new Error('initTensor: expression inits need the other parameters (use initAll)');
    case 'ones':
      return out.fill(1);
    case 'const':
      return out.fill(init.value);
    case 'normal':
      for (let i = 0; i < n; i++) out[i] = init.mean + init.std * normal(seed, stream, i);
      return out;
    case 'uniform':
      for (let i = 0; i < n; i++) out[i] = init.low + (init.high - init.low) * uniform(seed, stream, i);
      return out;
    case 'kaiming_uniform': {
      // fan_in = product of all axes but the first (PyTorch's convention for [out, in, ...]).
      const fanIn = shape.length < 2 ? (shape[0] ?? 1) : n / shape[0];
      const bound = Math.sqrt(6 / ((1 + init.a * init.a) * fanIn));
      for (let i = 0; i < n; i++) out[i] = -bound + 2 * bound * uniform(seed, stream, i);
      return out;
    }
  }
}

/** Copy the [start, end) slice along `axis` out of a row-major tensor. */
export function sliceHost(
  data: Float32Array,
  shape: readonly number[],
  axis: number,
  start: number,
  end: number,
): Float32Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const d = shape[axis];
  const w = end - start;
  const out = new Float32Array(outer * w * inner);
  for (let o = 0; o < outer; o++)
    out.set(data.subarray((o * d + start) * inner, (o * d + end) * inner), o * w * inner);
  return out;
}

/** One leaf's part of a parameter's full value: a row slice, a mask part, or all of it. */
function leafValue(p: ParamSpec, leaf: ParamLeaf, full: Float32Array): Float32Array {
  if (leaf.maskPart) return maskLeafValue(p, leaf, full);
  return leaf.slice ? sliceHost(full, p.shape, leaf.slice.axis, leaf.slice.start, leaf.slice.end) : full;
}

/** Initial values of one parameter's IR leaves, by leaf name. */
export function initParam(p: ParamSpec, seed: number): Map<string, Float32Array> {
  const full = initTensor(p.init, p.shape, seed, nameStream(p.stream ?? p.name));
  const out = new Map<string, Float32Array>();
  for (const leaf of leavesOf(p)) out.set(leaf.name, leafValue(p, leaf, full));
  return out;
}

/**
 * Initial values of parameters: plain inits first, then expression inits evaluated on the
 * CPU executor over the values so far (in declaration order, so one may use an earlier one).
 */
export function initAll(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const p of specs) if (p.init.kind !== 'expr') for (const [k, v] of initParam(p, seed)) out.set(k, v);
  for (const p of specs) {
    if (p.init.kind !== 'expr') continue;
    const [v] = evaluateNodes([p.init.node], { params: out });
    const full = Float32Array.from(v as ArrayLike<number>);
    for (const leaf of leavesOf(p)) out.set(leaf.name, leafValue(p, leaf, full));
  }
  return out;
}

/** Initial values for every parameter leaf of a model tree: leaf name -> data. */
export function initParams(root: ModuleInst, seed: number): Map<string, Float32Array> {
  return initAll(allParams(root), seed);
}
