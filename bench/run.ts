// `npm run bench`: every workload on every system in one process, side by side.
//
//   npx tsx bench/run.ts [--quick] [--only NAME[,NAME]] [--systems tfjs-webgpu,tfjs-cpu,ftl] [--out FILE]
//
// NAME: a workload, `matmul`, `frontend`, `methods` (every method row) or one method row (`m-lt-sft`).
//
// Systems: the peer (TensorFlow.js, WebGPU backend, on the same Dawn device kind ftl uses),
// tfjs's CPU backend (a second reference) and ftl. Prints the measurements and each ftl/peer
// ratio beside its target, and writes the JSON record to bench/results/<date>.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { globals } from 'webgpu';
import { acquireDevice, isDeviceError, type Backend } from '../runtime/device/index.ts';
import { corpus } from './data.ts';
import { installGpuCounters } from './gpu-counters.ts';
import { runMatmulBench, type MatmulResult } from './kernels.ts';
import { measure } from './measure.ts';
import { recordMarkdown } from './markdown.ts';
import {
  ablationTable,
  formatTable,
  measurementTable,
  ratios,
  ratioTable,
  type BenchRecord,
  type Measurement,
} from './report.ts';
import { ftlCompileTime, ftlSystem } from './systems/ftl.ts';
import { benchFrontend, frontendLine } from './frontend.ts';
import { tfjsSystems } from './systems/tfjs.ts';
import type { BenchData, System, Unavailable } from './systems/types.ts';
import { TARGETS } from './targets.ts';
import { gpt2Small, workloads } from './workloads.ts';
import { METHOD_ROWS, methodGrid, methodNotes, type MethodResult } from './methods.ts';
import { phase1FromRow, runMethods, type Phase1 } from './methods-run.ts';

// ftl first: the peers then start from its initial weights (same names, same values).
const ALL_SYSTEMS = ['ftl', 'tfjs-webgpu', 'tfjs-cpu', 'ftl-unopt'];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      systems: { type: 'string' },
      out: { type: 'string' },
      budget: { type: 'string', default: '500' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const all = workloads(values.quick!);
  const compileOnly = gpt2Small();
  if (values.help) {
    console.log(
      `usage: npm run bench -- [--quick] [--only NAME[,NAME]] [--systems ${ALL_SYSTEMS.join(',')}] [--out FILE] [--budget SECONDS]`,
    );
    console.log(
      '  --quick: fewer steps; --budget: measurements not started within SECONDS are skipped (500)',
    );
    console.log(`workloads: ${[...all, compileOnly].map((w) => w.name).join(', ')}, matmul, frontend`);
    console.log(`methods (ftl only): methods (all of them), ${METHOD_ROWS.map((r) => r.name).join(', ')}`);
    return 0;
  }
  const only = (values.only ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  const known = [...all, compileOnly]
    .map((w) => w.name)
    .concat('matmul', 'frontend', 'methods', ...METHOD_ROWS.map((r) => r.name));
  const unknown = only.filter((n) => !known.includes(n));
  if (unknown.length) {
    console.error(`bench: unknown workload ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const selected = only.length ? all.filter((w) => only.includes(w.name)) : all;
  const timeMatmul = !only.length || only.includes('matmul');
  const which = new Set(values.systems ? values.systems.split(',') : ALL_SYSTEMS);
  const timeCompile = which.has('ftl') && (!only.length || only.includes(compileOnly.name));
  const t0 = performance.now();
  const budgetS = Number(values.budget);

  installGpuCounters(globals as never);
  // Which Dawn backend ftl gets here; the peer is put on the same one.
  const probe = await acquireDevice();
  const dawn: Backend | null = isDeviceError(probe) ? null : probe.backend;
  const adapter = isDeviceError(probe)
    ? `no WebGPU adapter: ${probe.error}`
    : `${probe.adapterName} (Dawn ${probe.backend})`;
  const limits = isDeviceError(probe) ? undefined : probe.limits;
  const isCPU = !isDeviceError(probe) && probe.isCPU;
  if (!isDeviceError(probe)) probe.destroy();
  const data = corpus();
  console.log(
    `bench: ${new Date().toISOString()} · ${adapter} · ${cpus().length} CPU cores · Node ${process.version}`,
  );
  const load0 = loadavg()[0];
  console.log(
    `bench: data: ${data.source}; ${values.quick ? 'quick run' : 'full run'}; load average ${load0.toFixed(2)}`,
  );

  const systems: (System | Unavailable)[] = [];
  const methodRows =
    !only.length || only.includes('methods') ? METHOD_ROWS : METHOD_ROWS.filter((r) => only.includes(r.name));
  const timeMethods = which.has('ftl') && methodRows.length > 0;
  // LT-SFT's phase 1: the weights ftl's full fine-tuning (the `gpt` row) reaches in this run.
  let phase1: Phase1 | { failed: string } | undefined;
  const wantPhase1 = timeMethods && methodRows.some((r) => r.phase1);
  const want = (name: string) => (selected.length > 0 || (timeMethods && name === 'ftl')) && which.has(name);
  if (want('tfjs-webgpu') || want('tfjs-cpu')) systems.push(...(await tfjsSystems(dawn, which)));
  if (want('ftl')) systems.push(await ftlSystem());
  if (want('ftl-unopt')) systems.push(await ftlSystem(true));
  systems.sort((a, b) => ALL_SYSTEMS.indexOf(a.name) - ALL_SYSTEMS.indexOf(b.name));
  for (const s of systems)
    console.log(`bench: ${s.name}: ${'unavailable' in s ? `unavailable: ${s.unavailable}` : s.description}`);

  // The short, fixed-cost sections first, so a busy machine's budget cuts workloads instead.
  let compileTime: Awaited<ReturnType<typeof ftlCompileTime>> | undefined;
  if (timeCompile) {
    compileTime = limits
      ? await ftlCompileTime(compileOnly, limits, isCPU)
      : { unavailable: 'no WebGPU adapter' };
    console.log(
      `\n== ${compileOnly.name}: ` +
        ('ms' in compileTime
          ? `${(compileTime.ms / 1000).toFixed(2)} s to compile GPT-2 small (12 layers, d 768), ${compileTime.kernels} kernels/step`
          : `ftl ${compileTime.unavailable}`),
    );
  }

  const frontend = !only.length || only.includes('frontend') ? benchFrontend() : undefined;
  if (frontend) console.log(`\n== front end: ${frontendLine(frontend)}`);

  let matmul: MatmulResult | undefined;
  if (timeMatmul) {
    const left = budgetS + 60 - (performance.now() - t0) / 1000;
    matmul =
      left < 20 ? { unavailable: `skipped: past the ${budgetS} s budget` } : runMatmulBench(true, left);
    console.log(`\n== matmul: GFLOP/s per codegen template (bench/matmul.ts --quick)`);
    console.log('lines' in matmul ? matmul.lines.join('\n') : `  ${matmul.unavailable}`);
  }

  const results: Measurement[] = [];
  for (const w of selected) {
    console.log(`\n== ${w.name}: ${w.title}`);
    const wdata: BenchData = { bytes: data.bytes, corpusSource: data.source };
    for (const sys of systems) {
      if (sys.role === 'ablation' && !w.ablationSteps) continue; // it covers the tiny GPT only
      let m: Measurement;
      if ('unavailable' in sys) {
        m = {
          workload: w.name,
          system: sys.name,
          role: sys.role,
          status: 'unavailable',
          reason: sys.unavailable,
        };
      } else if ((performance.now() - t0) / 1000 > budgetS) {
        m = {
          workload: w.name,
          system: sys.name,
          role: sys.role,
          status: 'unavailable',
          reason: `skipped: past the ${budgetS} s budget`,
        };
      } else if (sys.role === 'reference' && w.referenceSteps === 0) {
        m = {
          workload: w.name,
          system: sys.name,
          role: sys.role,
          status: 'unavailable',
          reason: 'skipped (too slow for the time budget)',
        };
      } else {
        const reference = sys.role === 'reference';
        const started = performance.now();
        m = await measure(sys, w, wdata, {
          steps: reference ? w.referenceSteps : sys.role === 'ablation' ? w.ablationSteps! : w.steps,
          warmup: reference ? 0 : w.warmup,
          onSession: (s) => {
            if (sys.role === 'ftl' && s.initialValues) wdata.initial = s.initialValues;
          },
          onFinish: async (s) => {
            if (wantPhase1 && sys.role === 'ftl' && w.name === 'gpt') phase1 = await phase1FromRow(s, w.name);
          },
          // Per-measurement cap, shrinking as the run nears its budget (+30 s for the last one).
          maxSeconds: Math.max(15, Math.min(reference ? 45 : 90, budgetS + 30 - (started - t0) / 1000)),
          // Close to the budget, one timed step is enough to report (the note says how many).
          minSteps: budgetS - (started - t0) / 1000 < 60 ? 1 : 3,
          progress: (msg) => {
            if (process.stderr.isTTY) process.stderr.write(`  ${msg}\x1b[K\r`);
          },
        });
        const secs = ((performance.now() - started) / 1000).toFixed(1);
        console.log(
          m.status === 'ok'
            ? `  ${sys.name}: ${m.medianMs!.toFixed(1)} ms/step over ${m.steps} steps, ${m.kernelsPerStep ?? '-'} kernels/step, ` +
                `first-step loss ${m.lossFirst!.toFixed(5)}${m.sharedInitial ? ` (from ftl's initial weights: ${m.sharedInitial} tensors)` : ''} (${secs} s)`
            : `  ${sys.name}: ${m.status}: ${m.reason}`,
        );
      }
      results.push(m);
    }
  }
  // Issue 9: every sparse-update method against ftl's own full fine-tuning (same run).
  const methods: MethodResult[] = [];
  const ftl = systems.find((s): s is System => s.name === 'ftl' && !('unavailable' in s));
  const gptW = all.find((w) => w.name === 'gpt')!;
  if (timeMethods && ftl) {
    console.log(`\n== methods: the sparse-update methods on ${gptW.title.replace(/ full.*/, '')}, ftl only`);
    methods.push(
      ...(await runMethods({
        ftl,
        gpt: gptW,
        data,
        rows: methodRows,
        quick: values.quick!,
        phase1,
        late: () => (performance.now() - t0) / 1000 > budgetS + 120,
        log: (line) => console.log(line),
      })),
    );
    const full = results.find((r) => r.workload === 'gpt' && r.role === 'ftl');
    const g = methodGrid(methods, full);
    console.log(`\n${formatTable(g.headers, g.rows)}`);
    for (const line of methodNotes(methods)) console.log(line);
  }
  for (const s of systems) if (!('unavailable' in s)) s.destroy();

  const rs = ratios(
    results,
    TARGETS.filter((t) => selected.some((w) => w.name === t.workload)),
  );
  if (results.length) {
    console.log(`\n${measurementTable(results)}`);
    console.log(
      'tok/s: tokens per second (examples per second for the MLP); peak MiB: live GPU buffer bytes over one step (* tfjs tensor bytes, CPU backend)',
    );
    console.log(`\n${ratioTable(rs)}`);
  }
  const ablation = ablationTable(results);
  if (ablation) console.log(`\nftl optimized vs unoptimized (compile passes off), same run:\n${ablation}`);
  const totalS = (performance.now() - t0) / 1000;
  const load1 = loadavg()[0];
  console.log(
    `\nbench: finished in ${totalS.toFixed(0)} s; load average ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end`,
  );
  if (Math.max(load0, load1) > cpus().length + 0.5)
    console.log('bench: the machine was busy with other work: step times are inflated and noisy');

  const record: BenchRecord = {
    date: new Date().toISOString(),
    adapter,
    cpuCores: cpus().length,
    node: process.version,
    quick: values.quick,
    data: data.source,
    systems: systems.map((s) =>
      'unavailable' in s
        ? { name: s.name, role: s.role, unavailable: s.unavailable }
        : { name: s.name, role: s.role, description: s.description },
    ),
    workloads: selected,
    loadAverage: { start: load0, end: load1 },
    results,
    compileTime: compileTime && { workload: compileOnly, ...compileTime },
    frontend,
    matmul,
    methods,
    ratios: rs,
    totalSeconds: totalS,
  };
  const out = values.out ?? resultPath();
  writeFileSync(out, JSON.stringify(record, null, 2) + '\n');
  const md = out.replace(/\.json$/, '') + '.md';
  writeFileSync(md, recordMarkdown(record));
  console.log(`bench: wrote ${out} and ${md}`);
  return 0;
}

function resultPath(): string {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/:\d\d\.\d+Z$/, 'Z')
    .replace(':', '');
  return new URL(`${stamp}.json`, dir).pathname;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
