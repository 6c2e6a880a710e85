// Fixed-length sequences for static-shape training (T is fixed per stage):
//   chunks(seq)  packs the token stream: examples are concatenated (each already ends with EOS)
//                and cut into consecutive, non-overlapping windows of exactly `seq` tokens; the
//                partial window left at the end of an epoch is dropped.
//   pad(seq)     one example per sequence: shorter ones are right-padded with `padId` (mask 0),
//                longer ones are truncated on the right (or dropped with `truncate: 'drop'`).
// Both carry the loss mask along with the tokens. Preference pairs go through pad, not chunks.

import { DiagnosticError, type JsonValue } from './result.ts';
import type { Cursor, Example, PairExample, Stage } from './stage.ts';
import { mapCursor } from './stage.ts';

const positive = (name: string, v: number, what: string): string[] =>
  Number.isInteger(v) && v >= 1 ? [] : [`${name}: \`${what}\` must be a positive integer, got ${v}`];

function expectExample(x: unknown, stage: string): Example {
  const e = x as Example | PairExample;
  if (e?.kind === 'example') return e;
  const got =
    e?.kind === 'pair'
      ? 'preference pairs (use pad(seq) for those)'
      : 'raw records (add tokenize(...) first)';
  throw new DiagnosticError({
    code: 'FTL0742',
    severity: 'error',
    message: `${stage} needs tokenized examples, but got ${got}`,
  });
}

export function chunks(opts: { seq: number }): Stage<Example, Example> {
  const name = `chunks(seq: ${opts.seq})`;
  return {
    describe: () => name,
    problems: () => positive(name, opts.seq, 'seq'),
    open(up: Cursor<Example>): Cursor<Example> {
      const T = opts.seq;
      // Carry: tokens[pos..] not yet emitted. `pos` avoids re-slicing a long document per window.
      let tokens: number[] = [];
      let mask: number[] = [];
      let pos = 0;
      return {
        next() {
          while (tokens.length - pos < T) {
            const x = up.next();
            if (x === undefined) return undefined; // the partial window stays in the carry; rewind clears it
            const e = expectExample(x, name);
            tokens = tokens.slice(pos).concat(e.tokens);
            mask = mask.slice(pos).concat(e.mask);
            pos = 0;
          }
          const out: Example = {
            kind: 'example',
            tokens: tokens.slice(pos, pos + T),
            mask: mask.slice(pos, pos + T),
          };
          pos += T;
          return out;
        },
        rewind(epoch) {
          tokens = [];
          mask = [];
          pos = 0;
          up.rewind(epoch);
        },
        save: (): JsonValue => ({ tokens: tokens.slice(pos), mask: mask.slice(pos), up: up.save() }),
        restore(s) {
          const st = s as { tokens: number[]; mask: number[]; up: JsonValue };
          tokens = [...st.tokens];
          mask = [...st.mask];
          pos = 0;
          up.restore(st.up);
        },
      };
    },
  };
}

export function pad(opts: {
  seq: number;
  padId?: number;
  truncate?: 'right' | 'drop';
}): Stage<Example | PairExample, Example | PairExample> {
  const name = `pad(seq: ${opts.seq})`;
  const T = opts.seq;
  const padId = opts.padId ?? 0;
  const fit = (e: Example): Example | undefined => {
    if (e.tokens.length > T) {
      if (opts.truncate === 'drop') return undefined;
      return { kind: 'example', tokens: e.tokens.slice(0, T), mask: e.mask.slice(0, T) };
    }
    const n = T - e.tokens.length;
    return {
      kind: 'example',
      tokens: [...e.tokens, ...new Array<number>(n).fill(padId)],
      mask: [...e.mask, ...new Array<number>(n).fill(0)],
    };
  };
  return {
    describe: () => name,
    problems: () => [
      ...positive(name, T, 'seq'),
      ...(Number.isInteger(padId) && padId >= 0 ? [] : [`${name}: bad padId ${padId}`]),
    ],
    open: (up) =>
      mapCursor(up, (x) => {
        if ((x as PairExample)?.kind === 'pair') {
          const p = x as PairExample;
          const chosen = fit(p.chosen),
            rejected = fit(p.rejected);
          return chosen && rejected ? { kind: 'pair', chosen, rejected } : undefined;
        }
        return fit(expectExample(x, name));
      }),
  };
}
