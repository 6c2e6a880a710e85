// Bytes a tensor takes in a GPU buffer: the one rule the lowering (buffer sizes), the
// scheduler and the fusion's memory decisions share, so they never disagree.
// Today every element is 4 bytes (f32, i32, and bool stored as i32 0/1, see
// codegen/kernel.ts); at least 4 bytes per buffer.

import type { DType, Shape } from '../ir/ops.ts';
import { numel } from '../ir/node.ts';

export function tensorBytes(dtype: DType, shape: Shape): number {
  void dtype;
  return Math.max(4, numel(shape) * 4);
}
