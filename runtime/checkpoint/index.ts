// Checkpoint I/O, public API: safetensors files, Hugging Face model folders (single or sharded),
// training-state checkpoints for exact resume, PEFT adapter folders.

export type { HostTensor } from './tensor.ts';
export { f32, i32, numel } from './tensor.ts';
export {
  readSafetensors,
  writeSafetensors,
  openSafetensors,
  parseSafetensors,
  encodeSafetensors,
  type StDtype,
  type WriteOptions,
  type SafetensorsContents,
  type SafetensorsHeader,
  type TensorEntry,
} from './safetensors.ts';
export { readModelFolder, writeModelFolder, readIndex, SINGLE_FILE, INDEX_FILE } from './sharded.ts';
export { save, load, stepDirName, type TrainingState, type OptimizerState } from './state.ts';
export {
  writeAdapter,
  readAdapter,
  loraConfig,
  peftLoraName,
  type NameMap,
  type LoraConfigOptions,
} from './adapter.ts';
export { writeFileAtomic, writeTextAtomic } from './atomic.ts';
export { f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from './half.ts';
