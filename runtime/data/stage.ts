// The composable pipeline API. A Source opens a Cursor over records; a Stage turns one cursor
// into another. Cursors are synchronous, pull-based and resumable:
//   next()        the next item of the current epoch, or undefined at the end of the epoch;
//   rewind(e)     start epoch e from the beginning (shuffles reseed from (seed, e));
//   save()        JSON capturing everything pending (carry tokens, shuffle buffers, file offsets),
//                 taken between two next() calls;
//   restore(s)    after rewind(e), continue exactly where save() was taken.
// User-facing errors deep inside next() are thrown as DiagnosticError and turned into Results at
// the DataLoader boundary. `describe()` gives the stage as the recipe wrote it, for messages.

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { JsonValue } from './result.ts';

export interface Cursor<T> {
  next(): T | undefined;
  rewind(epoch: number): void;
  save(): JsonValue;
  restore(state: JsonValue): void;
}

export interface Source<T> {
  describe(): string;
  /** Problems detectable before reading (missing file), as diagnostics. */
  problems(): Diagnostic[];
  open(): Cursor<T>;
}

export interface Stage<I, O> {
  describe(): string;
  /** Bad options, as messages (the loader makes them FTL0742 diagnostics). */
  problems(): string[];
  open(upstream: Cursor<I>): Cursor<O>;
}

/** The items flowing between stages. */
export interface Example {
  readonly kind: 'example';
  readonly tokens: number[];
  /** 1 where token t is a training target (predicted from tokens < t), 0 for prompt and padding. */
  readonly mask: number[];
}

/** A preference pair (DPO-style): both sides share the masked prompt. */
export interface PairExample {
  readonly kind: 'pair';
  readonly chosen: Example;
  readonly rejected: Example;
}

/** What batch() produces: row-major [B, T]. For pairs B = 2 * batch size: chosen rows first. */
export interface Batch {
  readonly tokens: Int32Array;
  readonly loss_mask: Float32Array;
  readonly shape: [number, number];
}

/** Stateless one-to-one (or one-to-zero) stage helper: `f` returns undefined to drop an item. */
export function mapCursor<I, O>(up: Cursor<I>, f: (x: I) => O | undefined): Cursor<O> {
  return {
    next() {
      for (;;) {
        const x = up.next();
        if (x === undefined) return undefined;
        const y = f(x);
        if (y !== undefined) return y;
      }
    },
    rewind: (e) => up.rewind(e),
    save: () => up.save(),
    restore: (s) => up.restore(s),
  };
}
