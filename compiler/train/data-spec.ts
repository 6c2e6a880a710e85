// Data pipelines as compile-time values. A recipe's `data = text(...) |> tokenize(...) |>
// chunks(seq: T) |> shuffle(seed: 0) |> batch(B)` evaluates to a list of stages that the
// runtime's data layer executes; the compiler only needs the shapes of one batch:
//   text / jsonl / parquet + chunks or pad(seq: T) -> tokens i32[B, T], loss_mask f32[B, T]
//   synthetic_classification(dim:, classes:) -> x f32[B, dim], label i32[B]
// With gradient accumulation over K micro-batches a step's inputs hold K * B rows.
//
// synthetic_classification(n:, dim:, classes:, seed:) is defined in synthetic.ts.

import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import {
  list,
  record,
  typeName,
  type Args,
  type BuiltinV,
  type RecordV,
  type Value,
} from '../trace/values.ts';
import type { DType } from '../ir/ops.ts';

export type StageArg = string | number | boolean;
export interface Stage {
  readonly op: string;
  readonly args: Readonly<Record<string, StageArg>>;
}

export interface InputField {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface DataSpec {
  readonly stages: readonly Stage[];
  /** Rows fed per step (all micro-batches together). */
  readonly rows: number;
  readonly microBatches: number;
  readonly fields: readonly InputField[];
}

const SOURCES = new Set(['text', 'jsonl', 'parquet', 'synthetic_classification']);
const TRANSFORMS = new Set(['tokenize', 'chunks', 'shuffle', 'batch', 'take', 'pad', 'repeat_each']);

function stageArgs(a: Args, names: readonly string[]): Record<string, StageArg> {
  const out: Record<string, StageArg> = {};
  a.positional.forEach((v, i) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out[names[i] ?? `arg${i}`] = v;
    else
      err(
        TraceCodes.badArgument,
        `data stage arguments must be strings or numbers, got ${typeName(v)}`,
        a.span,
      );
  });
  for (const [k, v] of a.named) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else
      err(
        TraceCodes.badArgument,
        `data stage argument \`${k}\` must be a string or number, got ${typeName(v)}`,
        a.span,
      );
  }
  return out;
}

const isPipeline = (v: Value): v is RecordV =>
  typeof v === 'object' && 'kind' in v && v.kind === 'record' && v.fields.get('__pipeline') === true;
const stagesOf = (v: RecordV): Value[] => (v.fields.get('stages') as { items: Value[] }).items;
const pipeline = (stages: Value[]): RecordV => record({ __pipeline: true, stages: list(stages) });
const stageValue = (op: string, args: Record<string, StageArg>): Value => record({ op, args: record(args) });

const ARG_NAMES: Record<string, string[]> = {
  text: ['path'],
  jsonl: ['path'],
  parquet: ['path'],
  synthetic_classification: ['n', 'dim', 'classes', 'seed'],
  tokenize: ['tokenizer'],
  chunks: ['seq'],
  shuffle: ['seed'],
  batch: ['size'],
  take: ['n'],
  repeat_each: ['n'],
  pad: ['seq'],
};

/** The data builtins, as interpreter values. */
export function dataBuiltins(): Map<string, BuiltinV> {
  const out = new Map<string, BuiltinV>();
  for (const op of SOURCES)
    out.set(op, {
      kind: 'builtin',
      name: op,
      call: (a) => pipeline([stageValue(op, stageArgs(a, ARG_NAMES[op]))]),
    });
  for (const op of TRANSFORMS)
    out.set(op, {
      kind: 'builtin',
      name: op,
      call: (a) => {
        const src = a.positional[0];
        if (src === undefined || !isPipeline(src))
          return err(
            TraceCodes.badArgument,
            `\`${op}\` takes a data pipeline first (use \`data |> ${op}(...)\`)`,
            a.span,
          );
        return pipeline([
          ...stagesOf(src),
          stageValue(op, stageArgs({ ...a, positional: a.positional.slice(1) }, ARG_NAMES[op])),
        ]);
      },
    });
  return out;
}

/** The stages of a pipeline value and the batch fields it produces. */
export function dataSpec(v: Value, microBatches: number, span: Args['span']): DataSpec {
  if (!isPipeline(v))
    return err(
      TraceCodes.badArgument,
      `\`data\` must be a data pipeline such as text(...) |> ... |> batch(8), got ${typeName(v)}`,
      span,
    );
  const stages: Stage[] = stagesOf(v).map((s) => {
    const r = s as RecordV;
    return {
      op: r.fields.get('op') as string,
      args: Object.fromEntries((r.fields.get('args') as RecordV).fields) as Record<string, StageArg>,
    };
  });
  const src = stages[0];
  const batch = stages.find((s) => s.op === 'batch');
  if (!batch) err(TraceCodes.badArgument, 'the data pipeline needs a `batch(n)` stage', span);
  const B = Number(batch.args.size);
  const rows = B * microBatches;
  let fields: InputField[];
  if (src.op === 'synthetic_classification') {
    fields = [
      { name: 'x', shape: [rows, Number(src.args.dim)], dtype: 'f32' },
      { name: 'label', shape: [rows], dtype: 'i32' },
    ];
  } else {
    const chunk = stages.find((s) => s.op === 'chunks' || s.op === 'pad');
    if (!chunk)
      return err(
        TraceCodes.badArgument,
        'a text pipeline needs `chunks(seq: T)` (or `pad(seq: T)`) to fix the sequence length',
        span,
      );
    const T = Number(chunk.args.seq);
    fields = [
      { name: 'tokens', shape: [rows, T], dtype: 'i32' },
      { name: 'loss_mask', shape: [rows, T], dtype: 'f32' },
    ];
  }
  return { stages, rows, microBatches, fields };
}
