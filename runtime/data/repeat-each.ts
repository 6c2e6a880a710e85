// repeat_each(n): every item is passed on n times in a row before the next one is read, so
// `... |> repeat_each(n) |> batch(B)` is a depth-first order (an example is seen n times
// before the next; with B = 1 that is n consecutive steps on one example), the contrast to
// the breadth-first `shuffle |> batch` order where each example appears once per epoch.
// An epoch is n times as long as the upstream's. The saved state is the item being repeated
// (plain data: examples, pairs, records), how many copies are left, and the upstream's state.

import type { JsonValue } from './result.ts';
import type { Cursor, Stage } from './stage.ts';

export function repeatEach<T>(n: number): Stage<T, T> {
  const name = `repeat_each(${n})`;
  return {
    describe: () => name,
    problems: () => (Number.isInteger(n) && n >= 1 ? [] : [`${name}: n must be a positive integer`]),
    open(up: Cursor<T>): Cursor<T> {
      let item: T | undefined;
      let left = 0; // copies of `item` still to emit
      return {
        next() {
          if (left === 0) {
            item = up.next();
            if (item === undefined) return undefined;
            left = n;
          }
          left--;
          return item;
        },
        rewind(e) {
          item = undefined;
          left = 0;
          up.rewind(e);
        },
        save: (): JsonValue => ({ item: (item ?? null) as JsonValue, left, up: up.save() }),
        restore(s) {
          const st = s as { item: T | null; left: number; up: JsonValue };
          item = st.item ?? undefined;
          left = st.left;
          up.restore(st.up);
        },
      };
    },
  };
}
