// One training window: a compiled build loaded into an executor, from the step its trainable
// set was selected until the next re-selection (or the end of the stage). run.ts keeps one
// window at a time and replaces it at each `reselect_every` boundary (reselect.ts).
//
//   openWindow(compiled, handle, start, init, record, selectedAt) -> Window | Diagnostic[]
//   readStore(w) -> ParamStore   every leaf's current value (unused frozen leaves included)
//   snapshotOf(w, base) -> SelectionSnapshot   what a checkpoint saves to rebuild this set

import type { Compiled } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { CpuExecutor } from '../cpu/executor.ts';
import type { DeviceHandle } from '../device/index.ts';
import type { Executor } from '../executor.ts';
import { WebGPUExecutor } from '../webgpu/executor.ts';
import type { SelectionSnapshot } from './resume.ts';
import type { SelectionRecord } from './select.ts';
import type { ParamStore } from './stages.ts';

export interface Window {
  readonly compiled: Compiled;
  readonly build: TrainingBuild;
  readonly exec: Executor;
  /** Every leaf's value when the window opened (frozen leaves keep it). */
  readonly start: Map<string, Float32Array>;
  /** The build's own initial values (seeded). */
  readonly init: Map<string, Float32Array>;
  /** Leaves the executor holds, and the inputs its graph reads. */
  readonly persistent: Set<string>;
  readonly inputs: Set<string>;
  readonly record: SelectionRecord;
  readonly selectedAt: number;
}

export async function openWindow(
  compiled: Compiled,
  handle: DeviceHandle | undefined,
  start: ParamStore,
  init: Map<string, Float32Array>,
  record: SelectionRecord,
  selectedAt: number,
): Promise<Window | Diagnostic[]> {
  let exec: Executor;
  try {
    exec = handle
      ? await WebGPUExecutor.load(
          compiled.plan!,
          handle.device,
          `webgpu: ${handle.adapterName} (${handle.backend})`,
        )
      : new CpuExecutor(compiled.graph!);
  } catch (e) {
    return [
      {
        code: 'FTL0902',
        severity: 'error',
        message: `the device rejected a generated kernel: ${(e as Error).message}`,
        hint: 'this is a compiler bug: please report it with `ftl compile --emit wgsl`',
      },
    ];
  }
  const persistent = new Set(leavesOf(compiled.graph!, 'param').map((p) => p.arg.name));
  const inputs = new Set(leavesOf(compiled.graph!, 'input').map((n) => n.arg.name));
  const values = new Map([...start].map(([k, v]) => [k, Float32Array.from(v as ArrayLike<number>)]));
  for (const [name, v] of values) if (persistent.has(name)) exec.setParam(name, v);
  return {
    compiled,
    build: compiled.build!,
    exec,
    start: values,
    init,
    persistent,
    inputs,
    record,
    selectedAt,
  };
}

export async function readStore(w: Window): Promise<ParamStore> {
  const out: ParamStore = new Map(w.start);
  for (const name of w.persistent) out.set(name, await w.exec.getParam(name));
  return out;
}

const differs = (a: ArrayLike<number> | undefined, b: ArrayLike<number>) =>
  !a || a.length !== b.length || Array.prototype.some.call(b, (v: number, i: number) => !Object.is(v, a[i]));

/** `base`: the plain model's initial values by parameter name (weights equal to them are not saved). */
export function snapshotOf(w: Window, base: ReadonlyMap<string, Float32Array>): SelectionSnapshot {
  const frozen = new Map<string, Float32Array>();
  for (const e of w.build.params)
    if (e.role === 'param' && !e.trainable && differs(w.init.get(e.name), w.start.get(e.name)!))
      frozen.set(e.name, w.start.get(e.name)!);
  return {
    step: w.selectedAt,
    weights: new Map([...w.record.weights].filter(([k, v]) => differs(base.get(k), v))),
    grads: w.record.grads,
    frozen,
  };
}
