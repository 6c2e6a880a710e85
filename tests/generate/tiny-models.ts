// A tiny random GPT-2 or Llama (2 layers, d 16, 4 heads; Llama with 2 kv heads) written once
// per (arch, ctx, seed) as a Hugging Face folder, for the generation tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initModel } from '../../runtime/export/init-model.ts';

const folders = new Map<string, string>();

export function tinyModelFolder(arch: 'gpt2' | 'llama', ctx: number, seed: number): string {
  const key = `${arch}/${ctx}/${seed}`;
  if (!folders.has(key)) {
    const out = join(mkdtempSync(join(tmpdir(), 'ftl-tiny-')), arch);
    const r = initModel({
      arch,
      layers: 2,
      d: 16,
      heads: 4,
      kvHeads: arch === 'llama' ? 2 : undefined,
      ctx,
      out,
      seed,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    folders.set(key, out);
  }
  return folders.get(key)!;
}
