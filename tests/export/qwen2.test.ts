// Qwen2 checkpoints: the Llama layout plus biases on q_proj, k_proj and v_proj. A folder
// whose config.json says model_type "qwen2" loads through `llama.load`, binds the bias
// tensors from the file, and the biases change the model's output.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { buildForwardGraph, buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { readSafetensors, writeSafetensors } from '../../runtime/checkpoint/safetensors.ts';
import { f32 } from '../../runtime/checkpoint/tensor.ts';
import { evaluate } from '../../runtime/cpu/index.ts';
import { initModel } from '../../runtime/export/init-model.ts';
import { hfConfig } from '../../runtime/export/hf-folder.ts';

const dir = mkdtempSync(join(tmpdir(), 'ftl-qwen2-'));
const model = join(dir, 'qwen2');
const r = initModel({ arch: 'llama', layers: 2, d: 16, heads: 4, kvHeads: 2, ctx: 16, out: model, seed: 3 });
if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
// Make it a Qwen2 folder: model_type qwen2 and bias tensors for q, k and v.
const cfg = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
writeFileSync(
  join(model, 'config.json'),
  JSON.stringify({ ...cfg, model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] }),
);
const st = readSafetensors(join(model, 'model.safetensors'));
if (!st.ok) throw new Error(JSON.stringify(st.diagnostics));
const tensors = { ...st.value.tensors };
const bias = (n: number, salt: number) =>
  f32(
    [n],
    Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + salt) * 0.5),
  );
for (let l = 0; l < 2; l++) {
  tensors[`model.layers.${l}.self_attn.q_proj.bias`] = bias(16, l);
  tensors[`model.layers.${l}.self_attn.k_proj.bias`] = bias(8, l + 10);
  tensors[`model.layers.${l}.self_attn.v_proj.bias`] = bias(8, l + 20);
}
const w = writeSafetensors(join(model, 'model.safetensors'), tensors);
if (!w.ok) throw new Error(JSON.stringify(w.diagnostics));

const recipe = (load: string) => {
  const file = join(dir, `r${load.length}.ftl`);
  writeFileSync(
    file,
    `import std.models.llama
import std.losses.causal_lm
import std.optim.adamw
recipe r {
  model = ${load}
  data = text("${join(dir, 'c.txt')}") |> tokenize("bytes") |> chunks(seq: 8) |> batch(2)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  train(steps: 1)
}
`,
  );
  return { file, program: parse(readFileSync(file, 'utf8'), file).ast };
};
writeFileSync(join(dir, 'c.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(20));

describe('Qwen2 layout', () => {
  it('binds q/k/v biases from the checkpoint', () => {
    const b = buildTrainingGraph(recipe(`llama.load("${model}")`), { parse }) as TrainingBuild;
    expect(b.diagnostics).toEqual([]);
    const init = b.initialValues(0);
    for (let l = 0; l < 2; l++)
      for (const [p, n, salt] of [
        ['q', 16, l],
        ['k', 8, l + 10],
        ['v', 8, l + 20],
      ] as const)
        expect(Array.from(init.get(`layers.${l}.self_attn.${p}_proj.bias`)!)).toEqual(
          Array.from(bias(n, salt).data),
        );
    expect(init.has('layers.0.self_attn.o_proj.bias')).toBe(false);
  });

  it('the biases change the output (they are used by the forward pass)', () => {
    const fwd = buildForwardGraph(recipe(`llama.load("${model}")`), { parse });
    if (!('graph' in fwd)) throw new Error(JSON.stringify(fwd.diagnostics));
    const tokens = Int32Array.from({ length: 16 }, (_, i) => (i * 37) % 256);
    const inputs = new Map<string, Int32Array | Float32Array>([
      ['tokens', tokens],
      ['loss_mask', new Float32Array(16).fill(1)],
    ]);
    const params = fwd.initialValues(0);
    const zeroed = new Map(
      [...params].map(([k, v]) => [k, /_proj\.bias$/.test(k) ? new Float32Array(v.length) : v]),
    );
    expect([...zeroed.keys()].filter((k) => /_proj\.bias$/.test(k)).length).toBe(6);
    const a = evaluate(fwd.graph, { params, inputs }).outputs.output;
    const b = evaluate(fwd.graph, { params: zeroed, inputs }).outputs.output;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('exports a biased Llama as a Qwen2 config, so it loads back with its biases', () => {
    const c = hfConfig(
      'llama',
      new Map<string, unknown>([
        ['vocab', 256],
        ['d', 16],
        ['attn_bias', true],
      ]),
    );
    expect(c.model_type).toBe('qwen2');
    expect(
      hfConfig(
        'llama',
        new Map<string, unknown>([
          ['vocab', 256],
          ['d', 16],
        ]),
      ).model_type,
    ).toBe('llama');
  });
});
