// `ftl init-model`: write a small random GPT-2 or Llama as a Hugging Face folder
// (runtime/export/init-model.ts), for tests and demos. Exit status 1 on any error.

import type { Command } from 'commander';
import { initModel } from '../../runtime/export/init-model.ts';
import { printDiagnostics } from './run.ts';

const int = (v: string) => parseInt(v, 10);

export function register(program: Command): void {
  program
    .command('init-model')
    .description('write a small randomly initialised model in Hugging Face layout')
    .requiredOption('--arch <arch>', 'gpt2 or llama')
    .requiredOption('--layers <n>', 'number of blocks', int)
    .requiredOption('--d <n>', 'model width', int)
    .requiredOption('--heads <n>', 'attention heads', int)
    .option('--kv-heads <n>', 'key/value heads (llama; default: heads)', int)
    .option('--hidden <n>', 'MLP width (llama; default about 8d/3)', int)
    .option('--vocab <n>', "vocabulary size (default: the tokenizer's)", int)
    .option('--tokenizer <spec>', 'bytes, or train:FILE (byte-level BPE trained on FILE)', 'bytes')
    .option('--ctx <n>', 'context length', int, 128)
    .requiredOption('--out <dir>', 'folder to write')
    .option('--seed <n>', 'initialisation seed', int, 0)
    .action(
      (o: {
        arch: string;
        layers: number;
        d: number;
        heads: number;
        kvHeads?: number;
        hidden?: number;
        vocab?: number;
        tokenizer: string;
        ctx: number;
        out: string;
        seed: number;
      }) => {
        if (o.arch !== 'gpt2' && o.arch !== 'llama') {
          console.error(`error: --arch must be gpt2 or llama, got ${o.arch}`);
          process.exitCode = 1;
          return;
        }
        if (o.d % o.heads !== 0 || (o.kvHeads && o.heads % o.kvHeads !== 0)) {
          console.error('error: --d must be a multiple of --heads, and --heads a multiple of --kv-heads');
          process.exitCode = 1;
          return;
        }
        const r = initModel({ ...o, arch: o.arch });
        if (!r.ok) {
          printDiagnostics(r.diagnostics);
          process.exitCode = 1;
          return;
        }
        console.log(`wrote ${r.value.dir}: ${r.value.files.join(', ')} (vocab ${r.value.vocab})`);
      },
    );
}
