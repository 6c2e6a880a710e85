// Training checkpoints for exact resume: trainable parameters, optimizer state, step, RNG state
// and data position. Layout of a checkpoint directory `dir`:
//
//   dir/checkpoint.json              {"latest": "step-00000100"}   (the pointer, replaced atomically)
//   dir/step-00000100/params.safetensors      trainable parameters by name
//   dir/step-00000100/optimizer.safetensors   optimizer slots, tensor "<slot>/<param>" (e.g. "m/blocks.0.q.weight")
//   dir/step-00000100/state.json              step, rng, data position, optimizer name/hyper/scalars, extra
//
// save() builds the new step directory under a temp name, fsyncs it, renames it into place and
// only then moves the pointer, so a crash at any moment leaves the previous checkpoint loadable.
// Older step directories beyond `keep` are pruned after the pointer moves.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Result, ok, fail, type JsonValue } from '../data/result.ts';
import type { HostTensor } from './tensor.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';
import { writeTextAtomic, fsyncDir } from './atomic.ts';

export interface OptimizerState {
  /** e.g. "adamw". */
  readonly name: string;
  /** slot -> parameter name -> tensor, e.g. slots.m["blocks.0.q.weight"] (same shape as the parameter). */
  readonly slots: Readonly<Record<string, Readonly<Record<string, HostTensor>>>>;
  /** Scalar state (e.g. bias-correction step counts) and hyperparameters, kept as JSON. */
  readonly scalars?: Readonly<Record<string, JsonValue>>;
}

export interface TrainingState {
  readonly step: number;
  /** Trainable parameters only; frozen ones come from the base model. */
  readonly params: Readonly<Record<string, HostTensor>>;
  readonly optimizer: OptimizerState;
  /** Opaque to this module: whatever the executor needs to continue the random stream. */
  readonly rng: JsonValue;
  /** Opaque to this module: a DataLoader position (runtime/data/loader.ts). */
  readonly data: JsonValue;
  readonly extra?: Readonly<Record<string, JsonValue>>;
}

export const POINTER = 'checkpoint.json';
const FORMAT = 'ftl-training-state';
const BAD = 'FTL0709';

export const stepDirName = (step: number): string => `step-${String(step).padStart(8, '0')}`;

/** Save atomically; keep the newest `keep` step directories (default 2). */
export function save(
  dir: string,
  state: TrainingState,
  opts: { keep?: number } = {},
): Result<{ path: string }> {
  const keep = Math.max(1, opts.keep ?? 2);
  const name = stepDirName(state.step);
  const final = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
  } catch (e) {
    return fail('FTL0708', dir, `cannot create the checkpoint directory: ${(e as Error).message}`);
  }
  const optTensors: Record<string, HostTensor> = {};
  for (const [slot, byParam] of Object.entries(state.optimizer.slots)) {
    if (slot.includes('/')) throw new Error(`optimizer slot name must not contain '/': ${slot}`);
    for (const [p, t] of Object.entries(byParam)) optTensors[`${slot}/${p}`] = t;
  }
  const json = {
    format: FORMAT,
    version: 1,
    step: state.step,
    rng: state.rng,
    data: state.data,
    optimizer: {
      name: state.optimizer.name,
      slots: Object.keys(state.optimizer.slots),
      scalars: state.optimizer.scalars ?? {},
    },
    extra: state.extra ?? {},
  };
  const w1 = writeSafetensors(path.join(tmp, 'params.safetensors'), state.params, {
    metadata: { format: 'pt' },
  });
  if (!w1.ok) return w1;
  const w2 = writeSafetensors(path.join(tmp, 'optimizer.safetensors'), optTensors);
  if (!w2.ok) return w2;
  try {
    writeTextAtomic(path.join(tmp, 'state.json'), JSON.stringify(json, null, 2) + '\n');
    // Re-saving the same step: move the old copy aside first (rename cannot replace a non-empty dir).
    const trash = path.join(dir, `.${name}.old-${process.pid}`);
    if (fs.existsSync(final)) fs.renameSync(final, trash);
    fs.renameSync(tmp, final);
    fsyncDir(dir);
    writeTextAtomic(path.join(dir, POINTER), JSON.stringify({ latest: name }) + '\n');
    fs.rmSync(trash, { recursive: true, force: true });
  } catch (e) {
    return fail(
      'FTL0708',
      dir,
      `cannot write the checkpoint: ${(e as Error).message}`,
      'check free disk space; the previous checkpoint is intact',
    );
  }
  try {
    prune(dir, keep, name);
  } catch {
    // Pruning is housekeeping: the new checkpoint is complete and the pointer names it.
  }
  return ok({ path: final });
}

function prune(dir: string, keep: number, latest: string): void {
  // Leftovers of saves that crashed before their rename are garbage (one process saves at a time).
  for (const f of fs.readdirSync(dir))
    if (/^\.step-\d+\.(tmp|old)-\d+$/.test(f)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  const steps = fs
    .readdirSync(dir)
    .filter((f) => /^step-\d+$/.test(f))
    .sort();
  for (const old of steps.slice(0, Math.max(0, steps.length - keep))) {
    if (old !== latest) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
  }
}

/** Load the latest checkpoint of `dir` (or `dir` itself when it is a step directory). */
export function load(dir: string): Result<TrainingState> {
  let stepDir = dir;
  const pointer = path.join(dir, POINTER);
  if (fs.existsSync(pointer)) {
    let latest: unknown;
    try {
      latest = (JSON.parse(fs.readFileSync(pointer, 'utf8')) as { latest?: unknown }).latest;
    } catch (e) {
      return fail(BAD, pointer, `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof latest !== 'string' || !/^step-\d+$/.test(latest))
      return fail(BAD, pointer, '`latest` must name a step-NNNNNNNN directory');
    stepDir = path.join(dir, latest);
    if (!fs.existsSync(stepDir)) {
      // A crash while re-saving the same step, between moving the old copy aside and moving the
      // new one in: the old copy is still complete.
      const aside = fs.readdirSync(dir).find((f) => f.startsWith(`.${latest}.old-`));
      if (aside) stepDir = path.join(dir, aside);
    }
  } else if (!fs.existsSync(path.join(dir, 'state.json'))) {
    return fail(
      BAD,
      dir,
      'no checkpoint here (neither checkpoint.json nor state.json)',
      'pass the directory given to `save:` in the recipe',
    );
  }
  const stateFile = path.join(stepDir, 'state.json');
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail(BAD, stateFile, `cannot read: ${(e as Error).message}`);
  }
  if (j.format !== FORMAT || j.version !== 1)
    return fail(
      BAD,
      stateFile,
      `not an ftl training state (format ${JSON.stringify(j.format)}, version ${JSON.stringify(j.version)})`,
    );
  const opt = j.optimizer as { name?: unknown; slots?: unknown; scalars?: unknown } | undefined;
  if (typeof j.step !== 'number' || !Number.isSafeInteger(j.step) || j.step < 0)
    return fail(BAD, stateFile, '`step` must be a non-negative integer');
  if (!opt || typeof opt.name !== 'string' || !Array.isArray(opt.slots))
    return fail(BAD, stateFile, '`optimizer` must have a name and a list of slots');
  const params = readSafetensors(path.join(stepDir, 'params.safetensors'));
  if (!params.ok) return params;
  const optFile = readSafetensors(path.join(stepDir, 'optimizer.safetensors'));
  if (!optFile.ok) return optFile;
  const slots: Record<string, Record<string, HostTensor>> = Object.fromEntries(
    (opt.slots as string[]).map((s) => [s, {}]),
  );
  for (const [key, t] of Object.entries(optFile.value.tensors)) {
    const cut = key.indexOf('/');
    const slot = key.slice(0, cut);
    if (cut < 0 || !(slot in slots))
      return fail(
        BAD,
        path.join(stepDir, 'optimizer.safetensors'),
        `tensor \`${key}\` is not "<slot>/<param>" for a slot listed in state.json`,
      );
    slots[slot]![key.slice(cut + 1)] = t;
  }
  return ok({
    step: j.step,
    params: params.value.tensors,
    optimizer: { name: opt.name, slots, scalars: (opt.scalars ?? {}) as Record<string, JsonValue> },
    rng: (j.rng ?? null) as JsonValue,
    data: (j.data ?? null) as JsonValue,
    extra: (j.extra ?? {}) as Record<string, JsonValue>,
  });
}
