// The `ftl` command line: one file per command under cli/commands/, registered here.

import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { register as check } from './commands/check.ts';
import { register as compileCmd } from './commands/compile.ts';
import { register as doctor } from './commands/doctor.ts';
import { register as fmt } from './commands/fmt.ts';
import { register as methods } from './commands/methods.ts';
import { register as run } from './commands/run.ts';
import { register as initModel } from './commands/init-model.ts';
import { register as resume } from './commands/resume.ts';
import { register as generate } from './commands/generate.ts';
import { register as exportCmd } from './commands/export.ts';
import { register as lsp } from './commands/lsp.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('ftl')
    .description('Compile and run fine-tuning recipes written in .ftl on any WebGPU device')
    .version(pkg.version, '-v, --version');
  for (const register of [
    doctor,
    check,
    compileCmd,
    run,
    initModel,
    resume,
    generate,
    exportCmd,
    methods,
    fmt,
    lsp,
  ])
    register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
