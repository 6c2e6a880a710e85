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

export async function captureState(
  exec: Executor,
  build: TrainingBuild,
  step: number,
  loader: DataLoader | undefined,
  seed: number,
): Promise<TrainingState> {
  const { params, states } = savedLeaves(build);
  const p: Record<string, HostTensor> = {};
  for (const e of params) p[e.name] = f32(e.shape, await exec.getParam(e.name));
  const s: Record<string, HostTensor> = {};
  for (const e of states) s[e.name] = f32(e.shape, await exec.getParam(e.name));
  const leaves: Record<string, JsonValue> = {};
  for (const e of [...params, ...states]) leaves[e.name] = [...e.shape];
  return {
    step,
    params: p,
    optimizer: { name: 'ftl', slots: { [SLOT]: s } },
    rng: null,
    data: (loader?.position() ?? null) as JsonValue,
    extra: { seed, leaves },
  };
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
