// The CPU reference executor's public surface.
export { evaluate, evaluateNodes, step, CpuEvalError } from './evaluate.ts';
export type { Env, EvalOptions, EvalResult } from './evaluate.ts';
export type { TypedArray, Precision } from './tensor.ts';
export { unaryScalar, binaryScalar, toI32 } from './elementwise.ts';
export { roundTo } from './tensor.ts';
