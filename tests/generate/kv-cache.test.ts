// Cached decoding equals re-running the whole forward: for a random GPT-2 and a random
// Llama (GQA, RoPE) written by init-model, every step's next-token logits from the KV-cache
// decode graph match the last row of the uncached forward over the same prefix within 1e-5,
// so greedy decoding picks the same tokens. On the CPU executor and on WebGPU.
import { describe, expect, it } from 'vitest';
import { CpuExecutor } from '../../runtime/cpu/executor.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { decodeGraph, fullGraph } from '../../runtime/generate/decode-graph.ts';
import { Generator } from '../../runtime/generate/generate.ts';
import { folderModel } from '../../runtime/generate/model-folder.ts';
import { argmax } from '../../runtime/generate/sample.ts';
import { gpu } from '../webgpu/harness.ts';
import { tinyModelFolder } from './tiny-models.ts';

const model = (arch: 'gpt2' | 'llama'): string => tinyModelFolder(arch, 16, 3);

/** Last-position logits of the uncached forward over `ids`. */
async function fullLogits(source: string, file: string, ids: number[]): Promise<Float32Array> {
  const g = fullGraph(source, file, ids.length);
  if (!g.ok) throw new Error(JSON.stringify(g.diagnostics));
  const ex = new CpuExecutor(g.value.graph);
  for (const [k, v] of g.value.values) ex.setParam(k, v);
  ex.setInput('tokens', Int32Array.from(ids));
  await ex.step();
  const all = (await ex.readOutputs(['logits'])).logits;
  return all.slice((ids.length - 1) * g.value.vocab);
}

async function check(arch: 'gpt2' | 'llama', handle?: DeviceHandle) {
  const f = folderModel(model(arch));
  if (!f.ok) throw new Error(JSON.stringify(f.diagnostics));
  const { source, file } = f.value;
  const d = decodeGraph(source, file, 12);
  expect(d.ok).toBe(true);
  if (!d.ok) return;
  expect(d.value.graph.updates.length).toBe(2 * 2); // k and v per layer
  const gen = await Generator.open(d.value, handle);
  try {
    const prompt = [72, 105, 33];
    const r = await gen.generate(prompt, { maxTokens: 6, keepLogits: true });
    expect(r.tokens).toHaveLength(6);
    const seq = [...prompt];
    for (let i = 0; i < r.tokens.length; i++) {
      const want = await fullLogits(source, file, seq);
      let worst = 0;
      for (let v = 0; v < want.length; v++) worst = Math.max(worst, Math.abs(want[v] - r.logits![i][v]));
      expect(worst, `${arch} step ${i}`).toBeLessThan(1e-5);
      expect(r.tokens[i]).toBe(argmax(want));
      seq.push(r.tokens[i]);
    }
    // A second call starts from a clean cache: same prompt, same tokens.
    expect((await gen.generate(prompt, { maxTokens: 6 })).tokens).toEqual(r.tokens);
  } finally {
    gen.destroy();
  }
}

describe('KV-cache decoding', () => {
  it('GPT-2 on the CPU: cached logits == full forward', () => check('gpt2'));
  it('Llama (GQA + RoPE) on the CPU: cached logits == full forward', () => check('llama'));
  it('GPT-2 and Llama on WebGPU: cached logits == full forward (CPU)', async () => {
    const h = await gpu();
    try {
      await check('gpt2', h);
      await check('llama', h);
    } finally {
      h.destroy();
    }
  }, 120_000);
});
