// batch(n): n fixed-length examples -> one Batch { tokens: Int32Array [B*T], loss_mask:
// Float32Array [B*T], shape: [B, T] } (row-major, row b = the b-th example). Preference pairs
// give B = 2n rows: the n chosen sequences first, then the n rejected ones in the same order.
// A final partial batch is dropped (shapes are static); all sequences must already have one
// length, which chunks(seq) or pad(seq) guarantee.

import { DiagnosticError, type JsonValue } from './result.ts';
import type { Batch, Cursor, Example, PairExample, Stage } from './stage.ts';

export function batch(n: number): Stage<Example | PairExample, Batch> {
  const name = `batch(${n})`;
  const err = (message: string, hint?: string) =>
    new DiagnosticError({
      code: 'FTL0742',
      severity: 'error',
      message: `${name}: ${message}`,
      ...(hint ? { hint } : {}),
    });
  return {
    describe: () => name,
    problems: () =>
      Number.isInteger(n) && n >= 1 ? [] : [`${name}: the batch size must be a positive integer`],
    open(up: Cursor<Example | PairExample>): Cursor<Batch> {
      return {
        next() {
          const items: (Example | PairExample)[] = [];
          while (items.length < n) {
            const x = up.next();
            if (x === undefined) return undefined;
            items.push(x);
          }
          const kind = items[0]!.kind;
          if (kind !== 'example' && kind !== 'pair')
            throw err(
              'needs tokenized sequences',
              'add tokenize(...) and chunks(seq) or pad(seq) before batch',
            );
          if (items.some((x) => x.kind !== kind)) throw err('mixes preference pairs with plain examples');
          const rows: Example[] =
            kind === 'pair'
              ? [
                  ...(items as PairExample[]).map((p) => p.chosen),
                  ...(items as PairExample[]).map((p) => p.rejected),
                ]
              : (items as Example[]);
          const T = rows[0]!.tokens.length;
          const odd = rows.find((r) => r.tokens.length !== T);
          if (odd)
            throw err(
              `sequences have different lengths (${T} and ${odd.tokens.length})`,
              'add chunks(seq: N) or pad(seq: N) before batch',
            );
          const B = rows.length;
          const tokens = new Int32Array(B * T);
          const loss_mask = new Float32Array(B * T);
          rows.forEach((r, b) => {
            tokens.set(r.tokens, b * T); // (B, T) row-major
            loss_mask.set(r.mask, b * T);
          });
          return { tokens, loss_mask, shape: [B, T] };
        },
        rewind: (e) => up.rewind(e),
        save: (): JsonValue => up.save(),
        restore: (s) => up.restore(s),
      };
    },
  };
}
