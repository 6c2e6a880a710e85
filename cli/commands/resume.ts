// `ftl resume DIR`: continue the run whose output folder is DIR (its run.json names the
// recipe; its checkpoint.json the latest training state) on the same folder.

import type { Command } from 'commander';
import { readRunInfo } from '../../runtime/train/resume.ts';
import { printDiagnostics, runAndReport } from './run.ts';

export function register(program: Command): void {
  program
    .command('resume')
    .description("continue a run from its output folder's latest checkpoint")
    .argument('<dir>', 'the folder the run saved to (train(save: ...) or --out)')
    .option('--device <device>', 'webgpu or cpu', 'webgpu')
    .action(async (dir: string, o: { device: string }) => {
      if (o.device !== 'webgpu' && o.device !== 'cpu') {
        console.error(`error: --device must be webgpu or cpu, got ${o.device}`);
        process.exitCode = 1;
        return;
      }
      const info = readRunInfo(dir);
      if (!info.ok) {
        printDiagnostics(info.diagnostics);
        process.exitCode = 1;
        return;
      }
      await runAndReport(info.value.recipe, {
        device: o.device,
        recipe: info.value.name ?? undefined,
        resume: dir,
        out: dir,
      });
    });
}
