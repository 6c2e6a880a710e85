// take(n): only the first n items of each epoch pass (for quick runs and small evaluations).

import type { JsonValue } from './result.ts';
import type { Cursor, Stage } from './stage.ts';

export function take<T>(n: number): Stage<T, T> {
  const name = `take(${n})`;
  return {
    describe: () => name,
    problems: () => (Number.isInteger(n) && n >= 1 ? [] : [`${name}: n must be a positive integer`]),
    open(up: Cursor<T>): Cursor<T> {
      let count = 0;
      return {
        next() {
          if (count >= n) return undefined;
          const x = up.next();
          if (x !== undefined) count++;
          return x;
        },
        rewind(e) {
          count = 0;
          up.rewind(e);
        },
        save: (): JsonValue => ({ count, up: up.save() }),
        restore(s) {
          const st = s as { count: number; up: JsonValue };
          count = st.count;
          up.restore(st.up);
        },
      };
    },
  };
}
