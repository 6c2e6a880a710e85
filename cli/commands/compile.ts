// `ftl compile RECIPE`: run the compiler and print one of its stages, or the compile report.
//   --emit ast | ir | train | optimized | plan | wgsl
//   --report [--format json]
// A Plan is lowered for the device ftl would train on (the same limits and kernel choices),
// or for WebGPU's default limits with --target default.

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { PASSES } from '../../compiler/compile.ts';
import { compileAtStart } from '../../runtime/train/select.ts';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.ts';
import { printGraph } from '../../compiler/ir/print.ts';
import { fullBaseline } from '../../compiler/optimize/baseline.ts';
import { compileReport, formatReport } from '../../compiler/optimize/report.ts';
import { DEFAULT_LIMITS, type PlanLimits } from '../../compiler/plan/lower.ts';
import { acquireDevice, isDeviceError } from '../../runtime/device/index.ts';
import { parsePasses, printDiagnostics } from './run.ts';

const EMITS = ['ast', 'ir', 'train', 'optimized', 'plan', 'wgsl'] as const;

export function register(program: Command): void {
  program
    .command('compile')
    .description('compile a recipe and print a stage (--emit) or the cost report (--report)')
    .argument('<recipe>', '.ftl recipe file')
    .option('--emit <stage>', `one of ${EMITS.join(', ')}`)
    .option('--report', 'nodes, FLOPs, memory, pruning and the kernel list')
    .option('--format <fmt>', 'text or json', 'text')
    .option(
      '--target <target>',
      'device (the adapter ftl would use) or default (WebGPU minimum limits)',
      'device',
    )
    .option('--recipe <name>', 'which recipe of the file (default: the first)')
    .option('--no-opt <passes>', `switch optimization passes off: ${PASSES.join(',')}`)
    .action(
      async (
        file: string,
        o: {
          emit?: string;
          report?: boolean;
          format: string;
          target: string;
          recipe?: string;
          opt?: string | boolean;
        },
      ) => {
        const fail = (msg: string) => {
          console.error(`error: ${msg}`);
          process.exitCode = 1;
        };
        if (o.emit && !(EMITS as readonly string[]).includes(o.emit))
          return fail(`--emit takes one of ${EMITS.join(', ')}`);
        const disable = parsePasses(typeof o.opt === 'string' ? o.opt : undefined);
        if (typeof disable === 'string') return fail(disable);
        let source: string;
        try {
          source = readFileSync(file, 'utf8');
        } catch (e) {
          return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
        }
        const needPlan = o.emit === 'plan' || o.emit === 'wgsl' || o.report;
        let limits: PlanLimits | undefined;
        let isCPU = true;
        let release = () => {};
        if (needPlan && o.target === 'device') {
          const h = await acquireDevice();
          if (isDeviceError(h)) return fail(`${h.error} ${h.fix} (or use --target default)`);
          [limits, isCPU, release] = [h.limits, h.isCPU, () => h.destroy()];
        } else if (needPlan) limits = DEFAULT_LIMITS;
        // As `ftl run` compiles a first stage: selections that read gradient statistics
        // (SpIEL, ...) get them from the plain model at its initial values.
        const c = compileAtStart(source, file, { recipe: o.recipe, disable, limits, isCPU });
        release();
        printDiagnostics(c.diagnostics);
        if (hasErrors(c.diagnostics)) return void (process.exitCode = 1);
        const json = o.format === 'json';
        if (o.emit === 'ast') console.log(JSON.stringify(c.ast, null, 2));
        else if (o.emit === 'ir') console.log(printGraph({ outputs: c.trainIR!.outputs, updates: [] }));
        else if (o.emit === 'train') console.log(printGraph(c.trainIR!));
        else if (o.emit === 'optimized') console.log(printGraph(c.graph!));
        else if (o.emit === 'plan') console.log(JSON.stringify(c.plan, null, 2));
        else if (o.emit === 'wgsl')
          for (const k of c.plan!.kernels)
            console.log(
              `// kernel ${k.id}: ${k.name}${k.span ? ` (${k.span.file}:${k.span.line})` : ''}\n${k.wgsl}\n`,
            );
        if (o.report) {
          const r = compileReport(c.trainIR!, c.graph!, c.schedule!, c.plan);
          const full = fullBaseline(source, file, c, { recipe: o.recipe, report: r });
          if (full) r.versusFull = full;
          console.log(json ? JSON.stringify(r, null, 2) : formatReport(r));
        }
        if (!o.emit && !o.report)
          console.log(
            `ok: ${file} compiles (${c.plan ? `${c.plan.kernels.length} kernels` : 'training graph built'})`,
          );
      },
    );
}
