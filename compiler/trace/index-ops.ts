// Indexing: `x[i]`, `x[:, :-1]`, `x[..., 0]`, `x[:, 1:]`. Integer items pick one position
// and drop the axis; slice items keep it (Python bounds: negatives count from the end,
// missing bounds mean the whole axis, step 1 only); one `...` stands for the axes not
// named. Lowered to one `slice` plus one `reshape` that drops the integer-indexed axes.
// An i32 tensor index on a tensor is a row gather (`table[ids]`).

import type { Node } from '../ir/node.ts';
import { TraceCodes } from './errors.ts';
import { fail, gather, reshape, slice } from './tensor.ts';

export type IndexItem =
  | { kind: 'int'; value: number }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'ellipsis' }
  | { kind: 'tensor'; value: Node };

export function index(x: Node, items: readonly IndexItem[]): Node {
  if (items.length === 1 && items[0].kind === 'tensor') return gather(x, items[0].value);
  if (items.some((it) => it.kind === 'tensor'))
    fail(TraceCodes.badIndex, 'a tensor index must be the only index (`table[ids]`)');
  const ell = items.filter((it) => it.kind === 'ellipsis').length;
  if (ell > 1) fail(TraceCodes.badIndex, 'at most one `...` in an index');
  const named = items.length - ell;
  const r = x.shape.length;
  if (named > r) fail(TraceCodes.badIndex, `${named} indices for a tensor of rank ${r}`);
  // Expand `...` (or pad at the end) to one item per axis.
  const full: IndexItem[] = [];
  for (const it of items) {
    if (it.kind === 'ellipsis') for (let i = 0; i < r - named; i++) full.push({ kind: 'slice' });
    else full.push(it);
  }
  while (full.length < r) full.push({ kind: 'slice' });

  const starts: number[] = [];
  const ends: number[] = [];
  const keep: number[] = [];
  full.forEach((it, ax) => {
    const d = x.shape[ax];
    if (it.kind === 'int') {
      const i = it.value < 0 ? it.value + d : it.value;
      if (!Number.isInteger(i) || i < 0 || i >= d)
        fail(TraceCodes.badIndex, `index ${it.value} is out of range for axis ${ax} of size ${d}`);
      starts.push(i);
      ends.push(i + 1);
      return;
    }
    if (it.kind !== 'slice') throw new Error('unreachable');
    const clamp = (v: number | undefined, dflt: number) =>
      v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = clamp(it.start, 0);
    const e = Math.max(clamp(it.end, d), s);
    starts.push(s);
    ends.push(e);
    keep.push(ax);
  });
  const sliced = slice(x, starts, ends);
  return reshape(
    sliced,
    keep.map((ax) => sliced.shape[ax]),
  );
}
