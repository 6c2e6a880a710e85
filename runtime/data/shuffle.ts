// shuffle(seed): seeded, resumable shuffling, reseeded every epoch from (seed, epoch) so each
// epoch has its own order and the same seed always gives the same orders.
//   shuffle(seed)               global: the epoch's items are gathered, then visited in a
//                               Fisher–Yates permutation (memory: the whole epoch's items);
//   shuffle(seed, buffer: n)    streaming: keep n items, emit a uniformly chosen one and refill
//                               from upstream (memory: n items; order is only locally random).
// A global shuffle's saved state is just the index into the permutation: restoring re-reads the
// (deterministic) upstream. A buffered shuffle saves its buffer and generator state.

import type { JsonValue } from './result.ts';
import type { Cursor, Stage } from './stage.ts';
import { Prng, mixSeed, type PrngState } from './prng.ts';

export function shuffle<T>(opts: { seed: number; buffer?: number }): Stage<T, T> {
  const name = `shuffle(seed: ${opts.seed}${opts.buffer !== undefined ? `, buffer: ${opts.buffer}` : ''})`;
  return {
    describe: () => name,
    problems: () => [
      ...(Number.isInteger(opts.seed) ? [] : [`${name}: seed must be an integer`]),
      ...(opts.buffer === undefined || (Number.isInteger(opts.buffer) && opts.buffer >= 1)
        ? []
        : [`${name}: buffer must be a positive integer`]),
    ],
    open: (up: Cursor<T>) =>
      opts.buffer === undefined ? globalShuffle(up, opts.seed) : bufferedShuffle(up, opts.seed, opts.buffer),
  };
}

function globalShuffle<T>(up: Cursor<T>, seed: number): Cursor<T> {
  let epoch = 0;
  let items: T[] | undefined; // gathered lazily on the first next() of an epoch
  let order: number[] = [];
  let index = 0;
  const gather = () => {
    items = [];
    for (let x = up.next(); x !== undefined; x = up.next()) items.push(x);
    order = new Prng(mixSeed(seed, epoch)).shuffle(items.map((_, i) => i));
  };
  return {
    next() {
      if (!items) gather();
      return index < order.length ? items![order[index++]!] : undefined;
    },
    rewind(e) {
      epoch = e;
      items = undefined;
      index = 0;
      up.rewind(e);
    },
    save: (): JsonValue => ({ index }),
    restore(s) {
      index = (s as { index: number }).index;
    },
  };
}

function bufferedShuffle<T>(up: Cursor<T>, seed: number, size: number): Cursor<T> {
  let prng = new Prng(mixSeed(seed, 0));
  let buf: T[] = [];
  return {
    next() {
      while (buf.length < size) {
        const x = up.next();
        if (x === undefined) break;
        buf.push(x);
      }
      if (buf.length === 0) return undefined;
      const j = prng.below(buf.length);
      const out = buf[j]!;
      buf[j] = buf[buf.length - 1]!;
      buf.pop();
      return out;
    },
    rewind(e) {
      prng = new Prng(mixSeed(seed, e));
      buf = [];
      up.rewind(e);
    },
    // A copy of the buffer: the live one keeps changing, and a position must be a snapshot.
    save: (): JsonValue => ({ buf: [...buf] as unknown as JsonValue, rng: prng.state(), up: up.save() }),
    restore(s) {
      const st = s as { buf: T[]; rng: PrngState; up: JsonValue };
      buf = [...st.buf];
      prng = new Prng(st.rng);
      up.restore(st.up);
    },
  };
}
