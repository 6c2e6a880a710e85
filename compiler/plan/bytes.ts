// Bytes a tensor takes in a GPU buffer: the one rule the lowering (buffer sizes), the
// scheduler and the fusion's memory decisions share, so they never disagree.
// Every element is 4 bytes (f32, i32, and bool stored as i32 0/1, see codegen/kernel.ts),
// except a bit-packed bool temp (codegen/bool-layout.ts): 32 elements to a 4-byte word.
// At least 4 bytes per buffer.

import type { DType, Shape } from '../ir/ops.ts';
import { numel } from '../ir/node.ts';

/**
 * Bytes of a buffer holding `shape`. `packed`: whether a bool is bit-packed (ceil(n/32)
 * words). By default a bool is, as a temp written by an elementwise kernel would be: the
 * estimate memory decisions made before kernels are chosen want. Buffer sizes pass the
 * lowering's actual decision (host-visible bools, and bools written by matmul epilogues or
 * row kernels, stay i32 0/1).
 */
export function tensorBytes(dtype: DType, shape: Shape, packed = dtype === 'bool'): number {
  if (packed && dtype !== 'bool') throw new Error(`tensorBytes: only bool tensors pack, not ${dtype}`);
  const n = numel(shape);
  return Math.max(4, packed ? Math.ceil(n / 32) * 4 : n * 4);
}
