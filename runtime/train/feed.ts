// From the compiler's DataSpec (the recipe's `data = ...` stages, as plain data) to the
// per-step inputs of the training graph, using the runtime's data layer.
//
//   text/jsonl |> tokenize(t) |> chunks(seq: T) |> shuffle(seed) |> batch(B)
//       -> tokens i32[K*B, T], loss_mask f32[K*B, T]        (K micro-batches per step)
//   synthetic_classification(...) |> shuffle? |> batch(B)
//       -> x f32[K*B, dim], label i32[K*B]
// plus `step` (i32 scalar, 1-based) and `seed` (i32 scalar, for dropout) every step.
//
// Data paths are relative to the recipe's folder; the stages run through the data layer's
// loaderFromSpec. Every user error is a Diagnostic.

import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { DataSpec } from '../../compiler/train/data-spec.ts';
import { syntheticBatch, syntheticClassification } from '../../compiler/train/synthetic.ts';
import { loaderFromSpec, type DataLoader } from '../data/index.ts';
import type { Result } from '../data/result.ts';
import { byteTokenizer } from '../tokenizer/byte-level.ts';
import { loadHfTokenizer, loadTokenizerFolder } from '../tokenizer/hf-json.ts';
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
  if (typeof arg === 'string') {
    // A model folder's tokenizer.json (`model.tokenizer`): its tokenizer_config.json names EOS/PAD.
    const file = resolve(dir, arg);
    const folder = dirname(file);
    return basename(file) === 'tokenizer.json' && existsSync(join(folder, 'tokenizer_config.json'))
      ? loadTokenizerFolder(folder)
      : loadHfTokenizer(file);
  }
  return {
    ok: false,
    diagnostics: [diag(`tokenize(...) takes "bytes" or a tokenizer.json path, got ${String(arg)}`)],
  };
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
  const r = loaderFromSpec(spec.stages, {
    baseDir: recipeDir,
    tokenizer: (arg) => tokenizerFor(arg, recipeDir),
  });
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
