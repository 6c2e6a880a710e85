// The data pipeline's public API, in the order a recipe writes it:
//   text(path) | jsonl(path) | parquet(path) |> tokenize(tok) |> chunks({seq}) | pad({seq}) |> shuffle({seed}) |> take(n)? |> repeat_each(n)? |> batch(n)
// composed by pipeline(...) (or loaderFromSpec for the compiler's stage list) into a
// DataLoader (next / position / restore / batchesPerEpoch).

export { text, jsonl, fromRecords } from './readers.ts';
export { parquet, type ParquetOptions } from './parquet.ts';
export { tokenize, alpacaPrompt, type TokenizeOptions } from './tokenize.ts';
export { chunks, pad } from './pack.ts';
export { shuffle } from './shuffle.ts';
export { batch } from './batch.ts';
export { take } from './take.ts';
export { repeatEach } from './repeat-each.ts';
export { loaderFromSpec, type StageSpec, type SpecContext, type StageArg } from './from-spec.ts';
export { pipeline, DataLoader, type DataPosition } from './loader.ts';
export type { Batch, Example, PairExample, Cursor, Source, Stage } from './stage.ts';
export type { DataRecord, RecordShape, ChatMessage } from './records.ts';
export { Prng, mixSeed } from './prng.ts';
export type { Result } from './result.ts';
