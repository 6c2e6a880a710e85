// Element-masked parameters: `unfreeze P mask(indices)` trains k chosen entries of a tensor.
//
// A parameter W (shape S, n = prod(S) entries) with a trainable element mask of k flat
// (row-major) indices becomes three IR leaves:
//   W              f32[S]   frozen base (the pretrained value, never written)
//   W#mask.idx     f32[k]   frozen: the flat indices, stored as exact small floats
//   W#mask[k]      f32[k]   trainable delta, initialised to zero
// and the forward sees  W_eff = W + reshape(scatter_add(idx, delta[k, 1], rows: n), S).
// Autodiff of scatter_add w.r.t. its updates is a gather, so the gradient, the optimizer
// state and the update all have k entries; entries outside the mask are W + 0 = W exactly
// (bit-identical). The delta form is also what sparse fine-tuning composes: phi = W_eff - W.

import { mk, type Node } from '../ir/node.ts';
import type { ParamLeaf, ParamSpec } from '../elaborate/tree.ts';

export const maskIndexName = (param: string) => `${param}#mask.idx`;
export const maskDeltaName = (param: string, k: number) => `${param}#mask[${k}]`;

/** The leaves of a parameter trained on `idx` only (see the header). */
export function maskLeaves(p: ParamSpec, idx: Int32Array): ParamLeaf[] {
  const k = idx.length;
  return [
    { name: p.name, param: p.name, shape: p.shape, dtype: p.dtype, trainable: false },
    {
      name: maskIndexName(p.name),
      param: p.name,
      shape: [k],
      dtype: 'f32',
      trainable: false,
      maskPart: 'index',
    },
    {
      name: maskDeltaName(p.name, k),
      param: p.name,
      shape: [k],
      dtype: 'f32',
      trainable: true,
      maskPart: 'delta',
    },
  ];
}

/** W_eff from the three leaf nodes [base, index, delta]. */
export function maskedParamNode(p: ParamSpec, leaves: readonly Node[]): Node {
  const [base, index, delta] = leaves;
  const n = p.shape.reduce((a, b) => a * b, 1);
  const k = delta.shape[0];
  const idx = mk('cast', [index], { to: 'i32' }, { shape: [k], dtype: 'i32' });
  const upd = mk('reshape', [delta], { shape: [k, 1] }, { shape: [k, 1], dtype: 'f32' });
  // normalizeIndices sorts the indices, so the scatter may binary-search them.
  const dense = mk('scatter_add', [idx, upd], { rows: n, sorted: true }, { shape: [n, 1], dtype: 'f32' });
  const flat = mk('reshape', [base], { shape: [n, 1] }, { shape: [n, 1], dtype: 'f32' });
  const sum = mk('add', [flat, dense], null, { shape: [n, 1], dtype: 'f32' });
  return mk('reshape', [sum], { shape: p.shape }, { shape: p.shape, dtype: 'f32' });
}

/** Initial value of one mask leaf (the base leaf takes the parameter's full value). */
export function maskLeafValue(p: ParamSpec, leaf: ParamLeaf, full: Float32Array): Float32Array {
  if (leaf.maskPart === 'index') return Float32Array.from(p.mask!);
  if (leaf.maskPart === 'delta') return new Float32Array(p.mask!.length);
  return full;
}

/** Host W_eff = base with delta added at the indices (what the forward computes). */
export function applyMaskDelta(
  base: Float32Array,
  idx: ArrayLike<number>,
  delta: ArrayLike<number>,
): Float32Array {
  const out = Float32Array.from(base);
  for (let i = 0; i < idx.length; i++) out[idx[i]] += delta[i];
  return out;
}

/** Sorted, de-duplicated flat indices in [0, n); throws on out-of-range (caller reports). */
export function normalizeIndices(xs: readonly number[], n: number): Int32Array | string {
  const out = [...new Set(xs.map((x) => Math.trunc(x)))].sort((a, b) => a - b);
  if (out.length === 0) return 'the mask selects no entry';
  if (out[0] < 0 || out[out.length - 1] >= n) return `mask index out of range [0, ${n})`;
  if (n > 1 << 24) return 'masks need tensors under 2^24 entries (indices are stored as f32)';
  return Int32Array.from(out);
}
