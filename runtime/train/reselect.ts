// Re-selection inside a stage: carrying a run across a recompiled trainable set.
//
// `train(reselect_every: n)` recompiles the stage every n steps with the current weights
// (runtime/train/select.ts); the run continues in the new build from
//
//   carryWindow(prev, prevStore, next, seed) -> ParamStore
//
// Weights: every model parameter continues from its current value (stages.ts carryInto:
// split as the next build needs; an element-masked parameter keeps its frozen base, so
// entries pruned from the mask revert to it and entries new to the mask start at delta 0).
// A parameter whose compile-time initial value the re-selection changed takes the new value
// instead: the method decided it anew (LoRAPrune's head mask and score average, written
// with `reinit`).
// Optimizer state: a state leaf `L:slot` has L's shape, so each element belongs to one
// coordinate of L's model parameter (whole leaf: itself; row slice: its row; mask delta: its
// index). An element whose coordinate was trainable in the previous build keeps that state;
// a newly trainable coordinate starts from the optimizer's initial state.
//
// TrackedMap records which entries a selection read, so a checkpoint can store exactly the
// statistics the current trainable set was chosen from (resume.ts), and computes its values
// lazily (gradient statistics cost a dense backward: only selections that read them pay).

import type { ParamEntry, TrainingBuild } from '../../compiler/train/build.ts';
import { maskIndexName } from '../../compiler/features/mask-leaves.ts';
import { carryInto, fullParams, type ParamStore } from './stages.ts';

type Build = Pick<TrainingBuild, 'params' | 'tree' | 'initialValues'>;

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

/** The next build's store, continuing from the previous build's (see the header). */
export function carryWindow(
  prev: Build,
  prevStore: ParamStore,
  next: Build,
  seed: number,
  inits: { prev?: ParamStore; next?: ParamStore } = {},
): ParamStore {
  const prevInit = inits.prev ?? prev.initialValues(seed);
  const nextInit = inits.next ?? next.initialValues(seed);
  const out = carryInto(prev, prevStore, {
    params: next.params,
    initialValues: () => new Map(nextInit) as Map<string, Float32Array>,
  });
  // Parameters the re-selection re-initialised take their new initial value.
  const a = fullParams(prev, prevInit);
  const b = fullParams(next, nextInit);
  const renewed = new Set([...b.keys()].filter((p) => a.has(p) && !sameBits(a.get(p)!, b.get(p)!)));
  for (const e of next.params)
    if (e.role === 'param' && renewed.has(e.param)) out.set(e.name, Float32Array.from(nextInit.get(e.name)!));
  carryState(prev, prevStore, next, out);
  return out;
}

/** Full-parameter element count of every model parameter (from its leaves). */
function paramSizes(params: readonly ParamEntry[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of params) {
    if (e.role !== 'param') continue;
    let n = numel(e.shape);
    if (e.name !== e.param && e.slice) {
      const shape = [...e.shape];
      const ends = params.filter((l) => l.param === e.param && l.slice?.axis === e.slice!.axis);
      shape[e.slice.axis] = Math.max(...ends.map((l) => l.slice!.end));
      n = numel(shape);
    } else if (e.name !== e.param) continue;
    out.set(e.param, n);
  }
  return out;
}

/** Flat coordinates in its model parameter of each element of a trainable leaf. */
function coordinates(e: ParamEntry, store: ParamStore, sizes: Map<string, number>): Int32Array | undefined {
  const n = numel(e.shape);
  if (e.name === e.param) return Int32Array.from({ length: n }, (_, i) => i);
  if (e.name.startsWith(`${e.param}#mask[`)) {
    const idx = store.get(maskIndexName(e.param));
    return idx ? Int32Array.from(idx as ArrayLike<number>) : undefined;
  }
  if (e.slice) {
    const { axis, start, end } = e.slice;
    const inner = numel(e.shape.slice(axis + 1));
    const outer = numel(e.shape.slice(0, axis));
    const w = end - start;
    const d = sizes.get(e.param)! / (outer * inner);
    const out = new Int32Array(n);
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < w; r++)
        for (let i = 0; i < inner; i++) out[(o * w + r) * inner + i] = (o * d + start + r) * inner + i;
    return out;
  }
  return undefined;
}

/** Each state leaf's elements, by (model parameter, slot) and coordinate. */
function stateIndex(b: Pick<TrainingBuild, 'params'>, store: ParamStore) {
  const leaves = new Map(b.params.map((e) => [e.name, e]));
  const sizes = paramSizes(b.params);
  const index = new Map<string, { src: Float32Array[]; which: Int32Array; at: Int32Array }>();
  const each = (fn: (s: ParamEntry, leaf: ParamEntry, key: string, c: Int32Array) => void) => {
    for (const s of b.params) {
      if (s.role !== 'state') continue;
      const leaf = leaves.get(s.param);
      const c = leaf && sizes.has(leaf.param) ? coordinates(leaf, store, sizes) : undefined;
      if (leaf && c) fn(s, leaf, `${leaf.param}\u0000${s.name.slice(s.param.length + 1)}`, c);
    }
  };
  return { sizes, index, each };
}

/** Optimizer state of coordinates that stay trainable moves to their new place (header). */
function carryState(prev: Build, prevStore: ParamStore, next: Build, out: ParamStore): void {
  const p = stateIndex(prev, prevStore);
  p.each((s, leaf, key, c) => {
    let m = p.index.get(key);
    if (!m) {
      const n = p.sizes.get(leaf.param)!;
      m = { src: [], which: new Int32Array(n).fill(-1), at: new Int32Array(n) };
      p.index.set(key, m);
    }
    const id = m.src.push(Float32Array.from(prevStore.get(s.name) as ArrayLike<number>)) - 1;
    c.forEach((coord, i) => ((m.which[coord] = id), (m.at[coord] = i)));
  });
  const q = stateIndex(next, out);
  q.each((s, _leaf, key, c) => {
    const m = p.index.get(key);
    if (!m) return;
    const v = Float32Array.from(out.get(s.name) as ArrayLike<number>);
    c.forEach((coord, j) => {
      if (coord < m.which.length && m.which[coord] >= 0) v[j] = m.src[m.which[coord]][m.at[coord]];
    });
    out.set(s.name, v);
  });
}

/**
 * A map that records the keys read through it (get, has, iteration) and can compute its
 * entries on first use. Selection builtins read weights and gradient statistics through it.
 */
export class TrackedMap extends Map<string, Float32Array> {
  readonly read = new Set<string>();
  /** Whether the map was iterated or sized (a host evaluation reads every entry, even of an empty map). */
  listed = false;
  private pending?: () => ReadonlyMap<string, Float32Array>;
  constructor(entries?: Iterable<[string, Float32Array]>, compute?: () => ReadonlyMap<string, Float32Array>) {
    super();
    for (const [k, v] of entries ?? []) super.set(k, v);
    this.pending = compute;
  }
  private ready(): void {
    const f = this.pending;
    if (!f) return;
    this.pending = undefined;
    for (const [k, v] of f()) super.set(k, v);
  }
  /** Whether the lazy values were computed (a selection asked for them). */
  get computed(): boolean {
    return this.pending === undefined;
  }
  override get(k: string) {
    this.ready();
    this.read.add(k);
    return super.get(k);
  }
  override has(k: string) {
    this.ready();
    this.read.add(k);
    return super.has(k);
  }
  override get size() {
    this.ready();
    this.listed = true;
    return super.size;
  }
  override entries() {
    this.ready();
    this.listed = true;
    for (const k of super.keys()) this.read.add(k);
    return super.entries();
  }
  override [Symbol.iterator]() {
    return this.entries();
  }
  override keys() {
    this.ready();
    this.listed = true;
    return super.keys();
  }
  override values() {
    return (this.entries(), super.values());
  }
  /** The entries read so far that exist. */
  readEntries(): Map<string, Float32Array> {
    return new Map([...this.read].filter((k) => super.has(k)).map((k) => [k, super.get(k)!]));
  }
}
