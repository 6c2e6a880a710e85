// Exact resume: what a training checkpoint holds and how a run continues from one.
//
//   captureState(exec, build, step, loader?, seed) -> TrainingState   (runtime/checkpoint/state.ts)
//   checkResumable(state, build, dir, total)       -> Diagnostic[]     (empty: compatible)
//   restoreState(exec, state)                      -> sets trainable params + optimizer state
//
// Saved: every trainable parameter leaf (frozen ones are rebuilt from the recipe's model and
// the saved init seed), every optimizer-state leaf (slot "state", keyed by leaf name such as
// `blocks.0.attn.q.weight:m`), the step, the data loader's position and the init seed. The
// per-step inputs `step` and `seed` are functions of the step number, so no RNG state is
// needed: steps k+1..N after a resume see exactly the inputs an uninterrupted run sees.
// `extra.leaves` records every saved leaf's shape so a checkpoint of another recipe or
// parameter set is refused with a diagnostic naming the first difference.
//
// A run that re-selects its trainable set (`train(reselect_every:)`, reselect.ts) also saves
// what the current set was chosen from: the boundary step (`extra.selection`), the weights and
// gradient statistics the selection read (slots `selection.weights`, `selection.grads`; the
// weights only where they differ from the plain model's initial values) and the frozen leaves
// whose value is not their initial one (`selection.frozen`: a tensor that left the set keeps
// its trained value). A resume recompiles the same set from them before restoring.
//
// `run.json` in the output folder names the recipe that wrote it, so `ftl resume DIR` and
// `ftl export DIR` need nothing but the folder.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTextAtomic } from '../checkpoint/atomic.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import type { TrainingState } from '../checkpoint/state.ts';
import { f32, type HostTensor } from '../checkpoint/tensor.ts';
import type { DataLoader } from '../data/loader.ts';
import type { JsonValue } from '../data/result.ts';
import type { Executor } from '../executor.ts';

const SLOT = 'state';
const CODE = 'FTL0710';

/** The leaves a checkpoint of this build holds: trainable params, then optimizer state. */
function savedLeaves(build: TrainingBuild) {
  const params = build.params.filter((p) => p.role === 'param' && p.trainable);
  const states = build.params.filter((p) => p.role === 'state');
  return { params, states };
}

/** What a re-selecting run's checkpoint adds (see the header). */
export interface SelectionSnapshot {
  /** The step after which the current trainable set was selected (0: at the start). */
  readonly step: number;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly grads: ReadonlyMap<string, Float32Array>;
  readonly frozen: ReadonlyMap<string, Float32Array>;
}
const SEL = { weights: 'selection.weights', grads: 'selection.grads', frozen: 'selection.frozen' } as const;

export async function captureState(
  exec: Executor,
  build: TrainingBuild,
  step: number,
  loader: DataLoader | undefined,
  seed: number,
  selection?: SelectionSnapshot,
): Promise<TrainingState> {
  const { params, states } = savedLeaves(build);
  const p: Record<string, HostTensor> = {};
  for (const e of params) p[e.name] = f32(e.shape, await exec.getParam(e.name));
  const s: Record<string, HostTensor> = {};
  for (const e of states) s[e.name] = f32(e.shape, await exec.getParam(e.name));
  const leaves: Record<string, JsonValue> = {};
  for (const e of [...params, ...states]) leaves[e.name] = [...e.shape];
  const flat = (m: ReadonlyMap<string, Float32Array>) =>
    Object.fromEntries([...m].map(([k, v]) => [k, f32([v.length], v)]));
  const sel: Record<string, Record<string, HostTensor>> = selection
    ? {
        [SEL.weights]: flat(selection.weights),
        [SEL.grads]: flat(selection.grads),
        [SEL.frozen]: flat(selection.frozen),
      }
    : {};
  return {
    step,
    params: p,
    optimizer: { name: 'ftl', slots: { [SLOT]: s, ...sel } },
    rng: null,
    data: (loader?.position() ?? null) as JsonValue,
    extra: { seed, leaves, ...(selection ? { selection: selection.step } : {}) },
  };
}

/** The selection snapshot a re-selecting run saved (undefined for other checkpoints). */
export function savedSelection(state: TrainingState): SelectionSnapshot | undefined {
  const step = state.extra?.selection;
  if (typeof step !== 'number') return undefined;
  const slot = (name: string) =>
    new Map(
      Object.entries(state.optimizer.slots[name] ?? {}).map(([k, t]) => [
        k,
        Float32Array.from(t.data as ArrayLike<number>),
      ]),
    );
  return { step, weights: slot(SEL.weights), grads: slot(SEL.grads), frozen: slot(SEL.frozen) };
}

const fmt = (s: readonly number[] | JsonValue) => `[${(s as number[]).join(', ')}]`;

/** Why `state` cannot continue this build's run (empty when it can). */
export function checkResumable(
  state: TrainingState,
  build: TrainingBuild,
  dir: string,
  totalSteps: number,
): Diagnostic[] {
  const bad = (message: string): Diagnostic[] => [
    {
      code: CODE,
      severity: 'error',
      message: `cannot resume from ${dir}: ${message}`,
      hint: 'resume with the recipe (and methods) that wrote the checkpoint, or start a new run',
    },
  ];
  const { params, states } = savedLeaves(build);
  const saved = (state.extra?.leaves ?? {}) as Record<string, JsonValue>;
  const slot = state.optimizer.slots[SLOT] ?? {};
  for (const e of [...params, ...states]) {
    const t = e.role === 'state' ? slot[e.name] : state.params[e.name];
    if (!t)
      return bad(
        `it has no \`${e.name}\` (this recipe trains ${params.length} tensors; the checkpoint holds ${Object.keys(state.params).length})`,
      );
    if (t.shape.join() !== e.shape.join())
      return bad(`\`${e.name}\` is ${fmt(t.shape)} there and ${fmt(e.shape)} here`);
  }
  const ours = new Set([...params, ...states].map((e) => e.name));
  const extra = Object.keys(saved).find((n) => !ours.has(n));
  if (extra) return bad(`it holds \`${extra}\`, which this recipe does not train`);
  if (state.step >= totalSteps)
    return bad(`it is at step ${state.step}, and the run trains ${totalSteps} steps: nothing is left to do`);
  return [];
}

/** Put the checkpoint's trainable parameters and optimizer state into the executor. */
export function restoreState(exec: Executor, state: TrainingState): void {
  for (const [name, t] of Object.entries(state.params)) exec.setParam(name, t.data as Float32Array);
  for (const [name, t] of Object.entries(state.optimizer.slots[SLOT] ?? {}))
    exec.setParam(name, t.data as Float32Array);
}

/** `initial` with the checkpoint's leaves (trainable, optimizer state, changed frozen) put in. */
export function restoredStore(
  initial: ReadonlyMap<string, Float32Array>,
  state: TrainingState,
): Map<string, Float32Array> {
  const out = new Map(initial);
  const put = (r: Readonly<Record<string, HostTensor>>) => {
    for (const [name, t] of Object.entries(r)) out.set(name, Float32Array.from(t.data as ArrayLike<number>));
  };
  put(state.params);
  put(state.optimizer.slots[SLOT] ?? {});
  put(state.optimizer.slots[SEL.frozen] ?? {});
  return out;
}

/** The init seed the checkpointed run used (frozen weights are rebuilt from it). */
export const savedSeed = (state: TrainingState): number | undefined =>
  typeof state.extra?.seed === 'number' ? state.extra.seed : undefined;

/** What `run.json` records about the run that wrote an output folder. */
export interface RunInfo {
  /** Absolute path of the recipe file. */
  readonly recipe: string;
  /** Which recipe of the file (null: the first). */
  readonly name: string | null;
  readonly seed: number;
}

export function writeRunInfo(dir: string, info: RunInfo): void {
  mkdirSync(dir, { recursive: true });
  writeTextAtomic(join(dir, 'run.json'), JSON.stringify(info, null, 2) + '\n');
}

export function readRunInfo(
  dir: string,
): { ok: true; value: RunInfo } | { ok: false; diagnostics: Diagnostic[] } {
  try {
    const j = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
    if (typeof j.recipe !== 'string') throw new Error('no `recipe` field');
    return { ok: true, value: j };
  } catch (e) {
    return {
      ok: false,
      diagnostics: [
        {
          code: CODE,
          severity: 'error',
          message: `${dir} is not an ftl run folder (run.json: ${(e as Error).message})`,
          hint: 'pass the folder a recipe wrote with `save:` or `ftl run --out`',
        },
      ],
    };
  }
}
