// `ftl export RUN --to DIR` and `ftl merge RUN --to DIR`: a run's output folder as a full
// Hugging Face folder with method parameters merged into the base weights
// (runtime/export/export-run.ts). `export` also writes a PEFT adapter folder (DIR/adapter)
// for LoRA runs; `merge` writes the merged model only. Exit status 1 on any error.
//
// `ftl merge FILE.ftl --decl NAME --arg k=v ... --to DIR` instead evaluates a `merge`
// declaration (checkpoint arithmetic: LT-SFT's compose_sparse, task vectors, soups) with
// compiler/features/checkpoint-merge.ts. A value `[a, b]` or `a,b` is a list, `true`/`false`
// a bool, a number a number, anything else a string (paths: relative to the working folder).

import type { Command } from 'commander';
import { mergeFileToFolder, type MergeArg } from '../../compiler/features/checkpoint-merge.ts';
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

/** `k=v` -> [k, value] (see the header for how values read); or an error message. */
export function parseMergeArg(kv: string): [string, MergeArg] | string {
  const eq = kv.indexOf('=');
  if (eq <= 0) return `--arg takes key=value, got \`${kv}\``;
  const key = kv.slice(0, eq).trim();
  const raw = kv.slice(eq + 1).trim();
  const one = (v: string): string | number => (v !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  if (raw.startsWith('[') && raw.endsWith(']'))
    return [
      key,
      raw
        .slice(1, -1)
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
        .map(one),
    ];
  if (raw.includes(',')) return [key, raw.split(',').map((v) => one(v.trim()))];
  if (raw === 'true' || raw === 'false') return [key, raw === 'true'];
  return [key, one(raw)];
}

function mergeDecl(file: string, o: { to: string; decl?: string; arg: string[] }): void {
  if (!o.decl) {
    console.error(`error: ${file} is a recipe file: name its merge declaration with --decl NAME`);
    process.exitCode = 1;
    return;
  }
  const args: Record<string, MergeArg> = {};
  for (const kv of o.arg) {
    const a = parseMergeArg(kv);
    if (typeof a === 'string') {
      console.error(`error: ${a}`);
      process.exitCode = 1;
      return;
    }
    args[a[0]] = a[1];
  }
  const r = mergeFileToFolder(file, o.decl, args, o.to);
  if (!r.ok) {
    printDiagnostics(r.diagnostics);
    process.exitCode = 1;
    return;
  }
  console.log(`wrote ${o.to}: ${r.value.files.join(', ')}`);
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
    .description(
      "fold a run's method parameters into the base weights and write a Hugging Face folder; " +
        'or, given a .ftl file and --decl, evaluate a `merge` declaration over checkpoints',
    )
    .argument('<run>', "the run's output folder, or a .ftl file with merge declarations")
    .requiredOption('--to <dir>', 'folder to write')
    .option('--decl <name>', 'the merge declaration to evaluate (with a .ftl file)')
    .option(
      '--arg <key=value>',
      'an argument of the declaration (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .action((target: string, o: { to: string; decl?: string; arg: string[] }) =>
      target.endsWith('.ftl') ? mergeDecl(target, o) : action(false)(target, o),
    );
}
