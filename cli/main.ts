// The `ftl` command line: one file per command under cli/commands/, registered here.
//
// Commands load lazily: `ftl check x.ftl` imports only cli/commands/check.ts and what it
// needs, not the compiler back end, the WebGPU runtime or the formatter. That keeps start-up
// short for editors (`ftl lsp`) and scripts. `--help` and unknown commands load them all.

import { Command } from 'commander';
import { readFileSync } from 'node:fs';

type Register = (program: Command) => void;

/** Command name -> the module that registers it. */
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  doctor: () => import('./commands/doctor.ts'),
  check: () => import('./commands/check.ts'),
  compile: () => import('./commands/compile.ts'),
  run: () => import('./commands/run.ts'),
  'init-model': () => import('./commands/init-model.ts'),
  resume: () => import('./commands/resume.ts'),
  generate: () => import('./commands/generate.ts'),
  export: () => import('./commands/export.ts'),
  merge: () => import('./commands/export.ts'),
  methods: () => import('./commands/methods.ts'),
  fmt: () => import('./commands/fmt.ts'),
  lsp: () => import('./commands/lsp.ts'),
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The program with the commands named in `only` (all when absent or unknown). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('ftl')
    .description('Compile and run fine-tuning recipes written in .ftl on any WebGPU device')
    .version(pkg.version, '-v, --version');
  const loaders = only && COMMANDS[only] ? [COMMANDS[only]] : [...new Set(Object.values(COMMANDS))];
  const modules = await Promise.all(loaders.map((load) => load()));
  for (const m of new Set(modules)) m.register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  await (await buildProgram(name)).parseAsync(argv);
}
