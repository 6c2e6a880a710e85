// Chunked prefill (batched): feeding the prompt C tokens per step through a chunk decode
// graph gives the same next-token logits as feeding it token by token, within 1e-5, for a
// random GPT-2 and a random Llama (GQA, RoPE), with a padded last chunk; the chunk graph's
// per-token logits equal the rows of the uncached forward. CPU executor and WebGPU.
import { describe, expect, it } from 'vitest';
import { CpuExecutor } from '../../runtime/cpu/executor.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { decodeGraph, fullGraph } from '../../runtime/generate/decode-graph.ts';
import { Generator } from '../../runtime/generate/generate.ts';
import { folderModel } from '../../runtime/generate/model-folder.ts';
import { gpu } from '../webgpu/harness.ts';
import { tinyModelFolder } from './tiny-models.ts';

function model(arch: 'gpt2' | 'llama'): { source: string; file: string } {
  const f = folderModel(tinyModelFolder(arch, 32, 5));
  if (!f.ok) throw new Error(JSON.stringify(f.diagnostics));
  return f.value;
}

const worst = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const ok = <T>(r: { ok: true; value: T } | { ok: false; diagnostics: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
};

async function check(arch: 'gpt2' | 'llama', handle?: DeviceHandle) {
  const { source, file } = model(arch);
  const prompt = [72, 105, 33, 7, 200, 13, 90]; // 7 tokens: chunks of 3, 3, 1 (+2 padding)
  const maxT = 20;
  const step = ok(decodeGraph(source, file, maxT));
  const chunk = ok(decodeGraph(source, file, maxT, { chunk: 3 }));
  const plain = await Generator.open(step, handle);
  const chunked = await Generator.open(step, handle, chunk);
  try {
    const a = await plain.generate(prompt, { maxTokens: 6, keepLogits: true });
    const b = await chunked.generate(prompt, { maxTokens: 6, keepLogits: true });
    expect(b.tokens).toEqual(a.tokens);
    a.logits!.forEach((l, i) => expect(worst(l, b.logits![i]), `${arch} step ${i}`).toBeLessThan(1e-5));
  } finally {
    plain.destroy();
    chunked.destroy();
  }
}

describe('chunked prefill', () => {
  it('a chunk step gives the uncached forward rows for its tokens (CPU)', async () => {
    const { source, file } = model('llama');
    const ids = [5, 9, 77, 31];
    const full = ok(fullGraph(source, file, 4));
    const fx = new CpuExecutor(full.graph);
    for (const [k, v] of full.values) fx.setParam(k, v);
    fx.setInput('tokens', Int32Array.from(ids));
    await fx.step();
    const want = (await fx.readOutputs(['logits'])).logits;
    const c = ok(decodeGraph(source, file, 8, { chunk: 2 }));
    const cx = new CpuExecutor(c.graph);
    for (const [k, v] of c.values) cx.setParam(k, v);
    const got: number[] = [];
    for (const p of [0, 2]) {
      cx.setInput('tokens', Int32Array.from(ids.slice(p, p + 2)));
      cx.setInput('pos', Int32Array.of(p));
      await cx.step();
      got.push(...(await cx.readOutputs(['logits'])).logits);
    }
    expect(worst(Float32Array.from(got), want)).toBeLessThan(1e-5);
  });
  it('GPT-2 on the CPU: chunked == token by token', () => check('gpt2'));
  it('Llama (GQA + RoPE) on the CPU: chunked == token by token', () => check('llama'));
  it('Llama on WebGPU: chunked == token by token', async () => {
    const h = await gpu();
    try {
      await check('llama', h);
    } finally {
      h.destroy();
    }
  }, 120_000);
});
