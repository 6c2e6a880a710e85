// `ftl run RECIPE`: compile and train on WebGPU (default) or the CPU reference executor.
// Prints which device ran, a progress line per logged step, and a summary; diagnostics are
// printed as code frames and the exit status is 1 on any error.

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { PASSES, type Pass } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../compiler/diagnostics/codeframe.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { runRecipe, type RunOptions } from '../../runtime/train/run.ts';

export function printDiagnostics(ds: readonly Diagnostic[]): void {
  const sources = new Map<string, string>();
  for (const d of ds)
    if (d.span?.file && !sources.has(d.span.file))
      try {
        sources.set(d.span.file, readFileSync(d.span.file, 'utf8'));
      } catch {
        /* a frame without source text is printed without the line */
      }
  if (ds.length) console.error(formatDiagnostics(ds, { sources, color: process.stderr.isTTY }));
}

export function parsePasses(list: string | undefined): Set<Pass> | string {
  const names = (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !(PASSES as readonly string[]).includes(n));
  return bad ? `unknown pass \`${bad}\` (passes: ${PASSES.join(', ')})` : new Set(names as Pass[]);
}

export function register(program: Command): void {
  program
    .command('run')
    .description('compile a recipe and train it')
    .argument('<recipe>', '.ftl recipe file')
    .option('--device <device>', 'webgpu or cpu', 'webgpu')
    .option('--steps <n>', 'override train(steps: ...)', (v) => parseInt(v, 10))
    .option('--log-every <n>', 'override train(log_every: ...)', (v) => parseInt(v, 10))
    .option('--seed <n>', 'parameter initialisation seed', (v) => parseInt(v, 10), 0)
    .option('--out <dir>', "write metrics.jsonl and model.safetensors here (default: the recipe's save:)")
    .option('--recipe <name>', 'which recipe of the file (default: the first)')
    .option('--resume <dir>', 'continue from the training checkpoint in this folder')
    .option('--stage <name>', 'train only this stage of a recipe with stages (default: all, in order)')
    .option('--no-opt <passes>', `switch optimization passes off: ${PASSES.join(',')}`)
    .action(
      async (
        file: string,
        o: {
          device: string;
          steps?: number;
          logEvery?: number;
          seed: number;
          out?: string;
          recipe?: string;
          opt?: string | boolean;
          resume?: string;
          stage?: string;
        },
      ) => {
        if (o.device !== 'webgpu' && o.device !== 'cpu') {
          console.error(`error: --device must be webgpu or cpu, got ${o.device}`);
          process.exitCode = 1;
          return;
        }
        const disable = parsePasses(typeof o.opt === 'string' ? o.opt : undefined);
        if (typeof disable === 'string') {
          console.error(`error: ${disable}`);
          process.exitCode = 1;
          return;
        }
        await runAndReport(file, {
          device: o.device,
          steps: o.steps,
          logEvery: o.logEvery,
          seed: o.seed,
          out: o.out,
          recipe: o.recipe,
          disable,
          resume: o.resume,
          stage: o.stage,
        });
      },
    );
}

/** Run (or resume) a recipe, printing progress, the device and a summary; exit 1 on errors. */
export async function runAndReport(file: string, opts: Omit<RunOptions, 'onLog'>): Promise<void> {
  const r = await runRecipe(file, {
    ...opts,
    onLog: (_, line) => console.log(line),
    onStage: (name, i, n) => console.log(`stage ${i + 1}/${n}: ${name}`),
  });
  printDiagnostics(r.diagnostics);
  if (!r.ok || !r.loop) {
    process.exitCode = 1;
    return;
  }
  const last = r.loop.losses[r.loop.losses.length - 1];
  console.log(`device:   ${r.device}`);
  for (const st of r.stages ?? [])
    console.log(
      `stage:    ${st.name}: final loss ${st.loop.losses[st.loop.losses.length - 1][1].toFixed(4)}`,
    );
  console.log(
    `trained:  ${last[0]} steps, final loss ${last[1].toFixed(4)}, ${r.loop.tokensPerS.toFixed(0)} tokens/s, ` +
      `${r.loop.msPerStep.toFixed(1)} ms/step${r.dispatchesPerStep ? `, ${r.dispatchesPerStep} kernels/step` : ''}`,
  );
  if (r.outDir) console.log(`saved:    ${r.outDir}/model.safetensors, ${r.outDir}/metrics.jsonl`);
}
