// From the compiler's DataSpec (the recipe's `data = ...` stages, as plain data) to the
// per-step inputs of the training graph, using the runtime's data layer.
//
//   text/jsonl |> tokenize(t) |> chunks(seq: T) |> shuffle(seed) |> batch(B)
//       -> tokens i32[K*B, T], loss_mask f32[K*B, T]        (K micro-batches per step)
//   synthetic_classification(...) |> shuffle? |> batch(B)
//       -> x f32[K*B, dim], label i32[K*B]
// plus `step` (i32 scalar, 1-based) and `seed` (i32 scalar, for dropout) every step.
//
// Data paths are relative to the recipe's folder. Every user error is a Diagnostic.

import { resolve } from 'node:path';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { DataSpec, Stage as SpecStage } from '../../compiler/train/data-spec.ts';
import { syntheticBatch, syntheticClassification } from '../../compiler/train/synthetic.ts';
import {
  batch,
  chunks,
  jsonl,
  pad,
  pipeline,
  shuffle,
  text,
  tokenize,
  type DataLoader,
} from '../data/index.ts';
import type { Result } from '../data/result.ts';
import type { Source, Stage } from '../data/stage.ts';
import { byteTokenizer } from '../tokenizer/byte-level.ts';
import { loadHfTokenizer } from '../tokenizer/hf-json.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import type { HostArray } from '../executor.ts';

export interface Feeder {
  /** Inputs of 1-based step `step`. Throws DiagnosticError-carrying Results as `FeedError`. */
  feed(step: number): Record<string, HostArray>;
  /** Tokens (or examples) per step, for throughput. */
  readonly tokensPerStep: number;
  readonly loader?: DataLoader;
}

export class FeedError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('; '));
  }
}

const diag = (message: string, hint?: string): Diagnostic => ({
  code: 'FTL0742',
  severity: 'error',
  message,
  hint,
});

function tokenizerFor(arg: unknown, dir: string): Result<Tokenizer> {
  if (arg === undefined || arg === 'bytes') return { ok: true, value: byteTokenizer() };
  if (typeof arg === 'string') return loadHfTokenizer(resolve(dir, arg));
  return {
    ok: false,
    diagnostics: [diag(`tokenize(...) takes "bytes" or a tokenizer.json path, got ${String(arg)}`)],
  };
}

function loaderFor(stages: readonly SpecStage[], dir: string): Result<DataLoader> {
  const [src, ...rest] = stages;
  const path = resolve(dir, String(src.args.path));
  let source: Source<unknown>;
  if (src.op === 'text') source = text(path) as Source<unknown>;
  else if (src.op === 'jsonl') source = jsonl(path) as Source<unknown>;
  else return { ok: false, diagnostics: [diag(`unknown data source \`${src.op}\``)] };
  const out: Stage<any, any>[] = [];
  for (const s of rest) {
    const a = s.args;
    switch (s.op) {
      case 'tokenize': {
        const t = tokenizerFor(a.tokenizer, dir);
        if (!t.ok) return t;
        out.push(tokenize(t.value));
        break;
      }
      case 'chunks':
        out.push(chunks({ seq: Number(a.seq) }));
        break;
      case 'pad':
        out.push(pad({ seq: Number(a.seq) } as Parameters<typeof pad>[0]));
        break;
      case 'shuffle':
        out.push(shuffle({ seed: Number(a.seed ?? 0) }));
        break;
      case 'batch':
        out.push(batch(Number(a.size)));
        break;
      default:
        return {
          ok: false,
          diagnostics: [diag(`the data stage \`${s.op}\` is not supported by the runtime yet`)],
        };
    }
  }
  return pipeline(source, ...out);
}

/** Open the recipe's data and return the per-step feeder. */
export function openFeeder(spec: DataSpec, recipeDir: string, usesSeed = true): Result<Feeder> {
  const K = spec.microBatches;
  const scalars = (step: number): Record<string, HostArray> => ({
    step: Int32Array.of(step),
    ...(usesSeed ? { seed: Int32Array.of(step) } : {}),
  });
  const src = spec.stages[0];
  if (src.op === 'synthetic_classification') {
    const dim = Number(src.args.dim);
    const data = syntheticClassification(
      Number(src.args.n),
      dim,
      Number(src.args.classes),
      Number(src.args.seed ?? 0),
    );
    const B = spec.rows;
    return {
      ok: true,
      value: {
        tokensPerStep: B,
        feed: (step) => ({ ...syntheticBatch(data, dim, step - 1, B), ...scalars(step) }),
      },
    };
  }
  const r = loaderFor(spec.stages, recipeDir);
  if (!r.ok) return r;
  const loader = r.value;
  const [, T] = spec.fields[0].shape;
  return {
    ok: true,
    value: {
      loader,
      tokensPerStep: spec.rows * T,
      feed(step) {
        // K micro-batches concatenated row-wise: the graph slices rows k*B .. (k+1)*B.
        const tokens = new Int32Array(spec.rows * T);
        const mask = new Float32Array(spec.rows * T);
        for (let k = 0; k < K; k++) {
          const b = loader.next();
          if (!b.ok) throw new FeedError(b.diagnostics);
          tokens.set(b.value.tokens, k * b.value.tokens.length);
          mask.set(b.value.loss_mask, k * b.value.loss_mask.length);
        }
        return { tokens, loss_mask: mask, ...scalars(step) };
      },
    },
  };
}
