// examples/tiny-gpt.ftl end to end on the CPU executor: a 2-layer GPT-2 on byte-tokenized
// examples/data/corpus.txt; the loss falls well below the uniform-bytes level (ln 256).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { step } from '../../runtime/cpu/index.ts';

describe('examples/tiny-gpt.ftl', () => {
  it('trains on the CPU executor and the loss falls', () => {
    const file = 'examples/tiny-gpt.ftl';
    const r = buildTrainingGraph({ file, program: parse(readFileSync(file, 'utf8'), file).ast }, { parse });
    expect(r.diagnostics).toEqual([]);
    const b = r as TrainingBuild;
    expect(b.dataSpec.fields.map((f) => `${f.name}:${f.shape}`)).toEqual(['tokens:8,32', 'loss_mask:8,32']);
    expect(b.params.filter((p) => p.role === 'param').length).toBe(2 + 2 * 16 + 2); // wte, wpe, 16 per block (ln_1, q, k, v, o, ln_2, fc, proj with biases), ln_f
    const bytes = readFileSync('examples/data/corpus.txt');
    const T = 32;
    const B = 8;
    const nChunks = Math.floor(bytes.length / T);
    const store = b.initialValues(0) as Map<string, Float32Array | Int32Array | Float64Array | Uint8Array>;
    const losses: number[] = [];
    const steps = 15;
    for (let s = 1; s <= steps; s++) {
      const tokens = new Int32Array(B * T);
      for (let i = 0; i < B; i++) {
        const c = ((s - 1) * B + i) % nChunks;
        for (let t = 0; t < T; t++) tokens[i * T + t] = bytes[c * T + t];
      }
      const inputs = new Map<string, Float32Array | Int32Array>([
        ['tokens', tokens],
        ['loss_mask', new Float32Array(B * T).fill(1)],
        ['step', Int32Array.of(s)],
      ]);
      losses.push(step(b.graph, store, inputs).loss[0]);
    }
    expect(Math.abs(losses[0] - Math.log(256))).toBeLessThan(0.3); // small init: near-uniform start
    expect(losses.slice(-5).reduce((a, v) => a + v, 0) / 5).toBeLessThan(4.4); // ln 256 = 5.55 at the start
  }, 60_000);
});
