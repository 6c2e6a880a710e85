// `ftl generate --model DIR [--adapter DIR] --prompt TEXT`: sample a continuation with the
// KV-cache decoder (runtime/generate/). Prints the generated text to stdout; the device and
// why it stopped go to stderr, so stdout can be piped. Exit status 1 on any error.
// `--chunk C` prefills the prompt C tokens per step; `--kv-budget B` keeps at most B cached
// entries per layer and kv head (Locret eviction by trained retaining heads: the model must
// be a run folder whose recipe applied `locret`), `--local N` of them the newest.

import type { Command } from 'commander';
import { generateText } from '../../runtime/generate/index.ts';
import { printDiagnostics } from './run.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  program
    .command('generate')
    .description('generate text from a Hugging Face model folder (optionally with a LoRA adapter)')
    .requiredOption(
      '--model <dir>',
      'model folder (config.json, model.safetensors, tokenizer.json) or a run folder',
    )
    .option('--adapter <dir>', 'PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors)')
    .requiredOption('--prompt <text>', 'the prompt')
    .option('--max-tokens <n>', 'tokens to generate at most', (v) => parseInt(v, 10), 64)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', parseFloat, 0)
    .option('--top-k <k>', 'sample among the k most likely tokens', (v) => parseInt(v, 10))
    .option('--top-p <p>', 'sample among the most likely tokens holding probability p', parseFloat)
    .option('--seed <n>', 'sampling seed', (v) => parseInt(v, 10), 0)
    .option('--stop <text>', 'stop when this text appears (repeatable)', collect, [])
    .option('--device <device>', 'webgpu or cpu', 'webgpu')
    .option('--chunk <n>', 'prompt tokens per prefill step (batched prefill)', (v) => parseInt(v, 10))
    .option(
      '--kv-budget <n>',
      'keep at most n cached entries per layer and head, evicting by retaining-head scores (locret runs)',
      (v) => parseInt(v, 10),
    )
    .option('--local <n>', 'with --kv-budget: newest entries always kept', (v) => parseInt(v, 10))
    .action(
      async (o: {
        model: string;
        adapter?: string;
        prompt: string;
        maxTokens: number;
        temperature: number;
        topK?: number;
        topP?: number;
        seed: number;
        stop: string[];
        device: string;
        chunk?: number;
        kvBudget?: number;
        local?: number;
      }) => {
        if (o.device !== 'webgpu' && o.device !== 'cpu') {
          console.error(`error: --device must be webgpu or cpu, got ${o.device}`);
          process.exitCode = 1;
          return;
        }
        const r = await generateText({ ...o, device: o.device });
        if (!r.ok) {
          printDiagnostics(r.diagnostics);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(r.value.text + '\n');
        console.error(
          `device: ${r.value.device}; ${r.value.tokens.length} tokens, stopped by ${r.value.finish}` +
            (o.kvBudget !== undefined ? `; KV budget ${o.kvBudget}: ${r.value.evictions} evictions` : ''),
        );
      },
    );
}
