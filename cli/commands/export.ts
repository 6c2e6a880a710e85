// `ftl export RUN --to DIR` and `ftl merge RUN --to DIR`: a run's output folder as a full
// Hugging Face folder with method parameters merged into the base weights
// (runtime/export/export-run.ts). `export` also writes a PEFT adapter folder (DIR/adapter)
// for LoRA runs; `merge` writes the merged model only. Exit status 1 on any error.

import type { Command } from 'commander';
import { exportRun } from '../../runtime/export/export-run.ts';
import { printDiagnostics } from './run.ts';

function action(adapter: boolean) {
  return (runDir: string, o: { to: string }) => {
    const r = exportRun(runDir, o.to, { adapter });
    if (!r.ok) {
      printDiagnostics(r.diagnostics);
      process.exitCode = 1;
      return;
    }
    console.log(`wrote ${o.to}: ${[...r.value.files, ...(r.value.adapterFiles ?? [])].join(', ')}`);
  };
}

export function register(program: Command): void {
  program
    .command('export')
    .description(
      'write a run as a Hugging Face folder (adapters merged; LoRA runs also get a PEFT adapter folder)',
    )
    .argument('<run>', "the run's output folder (train(save: ...) or --out)")
    .requiredOption('--to <dir>', 'folder to write')
    .action(action(true));
  program
    .command('merge')
    .description("fold a run's method parameters into the base weights and write a Hugging Face folder")
    .argument('<run>', "the run's output folder")
    .requiredOption('--to <dir>', 'folder to write')
    .action(action(false));
}
