// The methods section of `npm run bench` (issue 9), run by bench/run.ts after the workloads:
// each row of bench/methods.ts measured on ftl, plus the compiler's figures for the same
// compile result (one compile per method: the run's own, lowered for the device).
//
// LT-SFT (rows with `phase1`) is two-phase: phase 1 fully fine-tunes theta0 to theta1, phase 2
// selects the entries with the largest |theta1 - theta0| and trains only those from theta0.
// Phase 1 here is ftl's own full fine-tuning of the same tiny GPT: the weights the `gpt` row
// of this run reached (run.ts captures them), or, when that row did not run, the same number
// of full fine-tuning steps run here. Those weights are what phase 2's selections read at
// compile time (BenchData.selectionWeights); the measured steps are phase 2's, from theta0.

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Compiled } from '../compiler/compile.ts';
import { measure } from './measure.ts';
import { compilerRemoves, methodWorkloads, type MethodResult, type MethodRow } from './methods.ts';
import type { Measurement } from './report.ts';
import { recipeFor } from './systems/ftl-recipes.ts';
import type { BenchData, System, Weights } from './systems/types.ts';
import type { Workload } from './workloads.ts';

/** Phase 1's result: theta1 by full parameter name, and what produced it (for the row's note). */
export interface Phase1 {
  values: Weights;
  steps: number;
  /** What ran phase 1: the `gpt` row of this run, or a run made for this row. */
  from: string;
}

export interface MethodsSection {
  ftl: System;
  /** ftl's full fine-tuning of the tiny GPT: the workload every method is applied to. */
  gpt: Workload;
  data: { bytes: Uint8Array; source: string };
  rows: readonly MethodRow[];
  quick: boolean;
  /** What the `gpt` row's ftl run reached, if it ran in this run (or why it has nothing). */
  phase1?: Phase1 | { failed: string };
  /** True once the run is past its budget: the remaining rows are skipped. */
  late: () => boolean;
  log: (line: string) => void;
}

export async function runMethods(o: MethodsSection): Promise<MethodResult[]> {
  const wdata: BenchData = { bytes: o.data.bytes, corpusSource: o.data.source };
  let phase1 = o.phase1;
  const out: MethodResult[] = [];
  const rows = new Map(o.rows.map((r) => [r.name, r]));
  for (const w of methodWorkloads(o.gpt, o.quick, [...o.rows])) {
    const row = rows.get(w.name)!;
    const started = performance.now();
    const base = { workload: w.name, system: 'ftl', role: 'ftl' as const };
    if (o.late()) {
      const m: Measurement = { ...base, status: 'unavailable', reason: 'skipped: past the budget' };
      out.push({ row, measurement: m });
      o.log(`  ${w.name}: ${m.status}: ${m.reason}`);
      continue;
    }
    let note: string | undefined;
    let data = wdata;
    if (row.phase1) {
      // The same number of steps the `gpt` row runs (first step, warm-up, timed steps).
      phase1 ??= await runPhase1(o.ftl, o.gpt, wdata, 1 + o.gpt.warmup + o.gpt.steps);
      if ('failed' in phase1) {
        const m: Measurement = {
          ...base,
          status: 'unavailable',
          reason: `phase 1 (ftl full fine-tuning) has no weights: ${phase1.failed}`,
        };
        out.push({ row, measurement: m });
        o.log(`  ${w.name}: ${m.status}: ${m.reason}`);
        continue;
      }
      data = { ...wdata, selectionWeights: phase1.values };
      note = phase1Note(phase1);
    }
    let compiled: { result: unknown; source: string; file: string } | undefined;
    const m = await measure(o.ftl, w, data, {
      steps: w.steps,
      warmup: w.warmup,
      maxSeconds: 30,
      minSteps: 1,
      onSession: (s) => (compiled = s.compiled),
    });
    const removes = compiled
      ? await compilerRemoves(compiled.source, compiled.file, compiled.result as Compiled)
      : row.phase1 || m.reason?.startsWith('compile')
        ? // No second compile: it would fail the same way (or, for LT-SFT, without theta1).
          { unavailable: m.reason ?? 'not compiled' }
        : await compilerRemoves(recipeFor(w, corpusFile(o.data.bytes)), join(methodsDir(), `${w.name}.ftl`));
    out.push({ row, measurement: m, removes, note });
    o.log(
      m.status === 'ok'
        ? `  ${w.name}: ${m.medianMs!.toFixed(1)} ms/step, ${((m.peakBytes ?? 0) / 2 ** 20).toFixed(2)} MiB, ` +
            `loss ${m.lossFirst!.toFixed(4)} -> ${m.lossLast!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)` +
            (note ? `\n    ${note}` : '')
        : `  ${w.name}: ${m.status}: ${m.reason}`,
    );
  }
  return out;
}

/** The row's note: where theta1 came from. */
export function phase1Note(p: Phase1): string {
  return (
    `phase 2 only; its selection read theta1 = the weights ftl's full fine-tuning of the same ` +
    `tiny GPT reached after ${p.steps} steps from theta0 (${p.from}); phase 2 trains from theta0`
  );
}

/** Phase 1 run here: `steps` steps of the full fine-tuning workload, then its weights read back. */
export async function runPhase1(
  ftl: System,
  gpt: Workload,
  data: BenchData,
  steps: number,
): Promise<Phase1 | { failed: string }> {
  let prepared;
  try {
    prepared = await ftl.prepare(gpt, data);
  } catch (e) {
    return { failed: firstLine(e) };
  }
  if ('unavailable' in prepared) return { failed: prepared.unavailable };
  const s = prepared.session;
  try {
    if (!s.trained) return { failed: `${ftl.name} cannot read its weights back` };
    for (let i = 0; i < steps; i++) await s.step(i);
    return {
      ...(await s.trained()),
      from: `a run of the \`${gpt.name}\` workload made for this row: the \`${gpt.name}\` row did not run or finish`,
    };
  } catch (e) {
    return { failed: firstLine(e) };
  } finally {
    s.dispose();
  }
}

/** Phase 1 from the `gpt` row's session (run.ts `onFinish`), or why not. */
export async function phase1FromRow(
  s: { trained?(): Promise<{ values: Weights; steps: number }> },
  row: string,
): Promise<Phase1 | { failed: string }> {
  if (!s.trained) return { failed: 'the session cannot read its weights back' };
  try {
    return {
      ...(await s.trained()),
      from: `the \`${row}\` row of this run`,
    };
  } catch (e) {
    return { failed: firstLine(e) };
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

let dir: string | undefined;
const methodsDir = () => {
  dir ??= join(tmpdir(), `ftl-bench-methods-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
/** The corpus the fallback compile's recipe names (calibration-based selections read it). */
function corpusFile(bytes: Uint8Array): string {
  const path = join(methodsDir(), 'corpus.bin');
  writeFileSync(path, bytes);
  return path;
}
