// Carrying parameters from one training stage to the next.
//
// Each stage of a recipe compiles to its own graph (compiler/train/build.ts, `{ stage }`),
// and the same model parameter may be split differently in each (whole, row slices, an
// element mask's base + delta). `fullParams` reassembles every model parameter's current
// value from a stage's leaves; `carryInto` writes those values into the next stage's
// leaves, which start from them instead of their initialisation. Optimizer state is not
// carried (each stage has its own optimizer; a re-selection inside a stage carries it,
// reselect.ts); a leaf the next stage adds (a new head, a LoRA factor) keeps its initial value.
// A method the next stage drops (`drop m`) has no leaves there, so its parameters do not
// carry; `drop m merged` folds them into the base weights first (`mergeOnly`: that method's
// `merge` rules, compiler/train/merge.ts), so the base weights carry merged.

import type { ParamEntry, TrainingBuild } from '../../compiler/train/build.ts';
import type { MergeRule } from '../../compiler/elaborate/tree.ts';
import { ruleOf } from '../../compiler/train/recipe.ts';
import { applyMaskDelta } from '../../compiler/features/mask-leaves.ts';
import { mergedParams } from '../../compiler/train/merge.ts';

type Host = Float32Array | Int32Array | Float64Array | Uint8Array;
export type ParamStore = Map<string, Host>;

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Every model parameter's value (by parameter name) from a stage's leaves. */
export function fullParams(b: Pick<TrainingBuild, 'params'>, store: ParamStore): Map<string, Float32Array> {
  const byParam = new Map<string, ParamEntry[]>();
  for (const e of b.params)
    if (e.role === 'param' && !e.reference) byParam.set(e.param, [...(byParam.get(e.param) ?? []), e]);
  const out = new Map<string, Float32Array>();
  for (const [name, leaves] of byParam) {
    const get = (leaf: string) => Float32Array.from(store.get(leaf) as ArrayLike<number>);
    const idx = leaves.find((l) => l.name === `${name}#mask.idx`);
    if (idx) {
      const delta = leaves.find((l) => l.name.startsWith(`${name}#mask[`))!;
      out.set(name, applyMaskDelta(get(name), get(idx.name), get(delta.name)));
      continue;
    }
    if (leaves.length === 1) {
      out.set(name, get(leaves[0].name));
      continue;
    }
    out.set(name, joinSlices(leaves, get));
  }
  return out;
}

function joinSlices(leaves: readonly ParamEntry[], get: (n: string) => Float32Array): Float32Array {
  const axis = leaves[0].slice!.axis;
  const shape = [...leaves[0].shape];
  shape[axis] = leaves.reduce((a, l) => Math.max(a, l.slice!.end), 0);
  const outer = numel(shape.slice(0, axis));
  const inner = numel(shape.slice(axis + 1));
  const d = shape[axis];
  const out = new Float32Array(numel(shape));
  for (const l of leaves) {
    const v = get(l.name);
    const w = l.slice!.end - l.slice!.start;
    for (let o = 0; o < outer; o++)
      out.set(v.subarray(o * w * inner, (o + 1) * w * inner), (o * d + l.slice!.start) * inner);
  }
  return out;
}

/**
 * The next stage's initial store: its own initial values, with every model parameter that
 * both stages have overwritten by the previous stage's value (split as the next stage needs).
 */
export function carryInto(
  prev: Pick<TrainingBuild, 'params' | 'tree'>,
  prevStore: ParamStore,
  next: Pick<TrainingBuild, 'params' | 'initialValues'>,
  seed = 0,
  opts: { merge?: boolean; mergeOnly?: (rule: MergeRule) => boolean } = {},
): ParamStore {
  // merge: fold the previous build's `merge` rules in (a method the next stage drops, such
  // as a sparsity mask, leaves its effect in the weights); mergeOnly: only the rules it keeps.
  const values = opts.merge ? mergedParams(prev.tree, prevStore) : fullParams(prev, prevStore);
  if (!opts.merge && opts.mergeOnly) {
    const rules = prev.tree.merges.filter(opts.mergeOnly);
    if (rules.length)
      for (const [k, v] of mergedParams({ ...prev.tree, merges: rules }, prevStore)) values.set(k, v);
  }
  const out: ParamStore = new Map(next.initialValues(seed));
  for (const e of next.params) {
    if (e.role !== 'param' || e.reference) continue;
    const v = values.get(e.param);
    if (!v) continue;
    if (e.name === e.param) out.set(e.name, Float32Array.from(v));
    else if (e.slice) out.set(e.name, sliceOf(v, e));
  }
  // An element-masked parameter keeps the previous stage's frozen base when that stage
  // masked it too (so entries dropped from the mask revert to the base, as SpIEL's pruning
  // does), and its delta starts at (previous value - base) on the new indices: entries in
  // both masks keep their trained values.
  for (const e of next.params) {
    if (e.role !== 'param' || !e.name.startsWith(`${e.param}#mask[`)) continue;
    const full = values.get(e.param);
    if (!full) continue;
    const prevBase = prevStore.has(`${e.param}#mask.idx`) ? prevStore.get(e.param) : undefined;
    const base = Float32Array.from((prevBase ?? full) as ArrayLike<number>);
    out.set(e.param, base);
    const idx = out.get(`${e.param}#mask.idx`) as Float32Array;
    out.set(
      e.name,
      Float32Array.from(idx, (i) => full[i] - base[i]),
    );
  }
  return out;
}

/**
 * The carry between two stages of one recipe: `carryInto`, with the merge rules of the
 * methods `next` drops with `drop m merged` folded into the base weights first.
 */
export function stageCarry(
  prev: Pick<TrainingBuild, 'params' | 'tree'>,
  prevStore: ParamStore,
  next: Pick<TrainingBuild, 'params' | 'initialValues' | 'drops'>,
  seed = 0,
): ParamStore {
  const ms = (next.drops ?? []).filter((d) => d.merged).flatMap((d) => d.methods);
  const mergeOnly = ms.length ? (rule: MergeRule) => ms.some((m) => ruleOf(m, rule.body)) : undefined;
  return carryInto(prev, prevStore, next, seed, { mergeOnly });
}

function sliceOf(full: Float32Array, e: ParamEntry): Float32Array {
  const { axis, start, end } = e.slice!;
  const shape = [...e.shape];
  const inner = numel(shape.slice(axis + 1));
  const outer = numel(shape.slice(0, axis));
  const w = end - start;
  const d = full.length / (outer * inner);
  const out = new Float32Array(numel(shape));
  for (let o = 0; o < outer; o++)
    out.set(full.subarray((o * d + start) * inner, (o * d + end) * inner), o * w * inner);
  return out;
}
