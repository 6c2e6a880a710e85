// Host-side tensors as the checkpoint code hands them to the runtime: row-major, either
// f32 (every float dtype on disk converts to it) or i32 (I32 and range-checked I64).

export type HostTensor =
  | { readonly dtype: 'f32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'i32'; readonly shape: readonly number[]; readonly data: Int32Array };

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function f32(shape: readonly number[], data: Float32Array | readonly number[]): HostTensor {
  const d = data instanceof Float32Array ? data : Float32Array.from(data);
  if (d.length !== numel(shape)) throw new Error(`f32 tensor: ${d.length} values for shape [${shape}]`);
  return { dtype: 'f32', shape: [...shape], data: d };
}

export function i32(shape: readonly number[], data: Int32Array | readonly number[]): HostTensor {
  const d = data instanceof Int32Array ? data : Int32Array.from(data);
  if (d.length !== numel(shape)) throw new Error(`i32 tensor: ${d.length} values for shape [${shape}]`);
  return { dtype: 'i32', shape: [...shape], data: d };
}
