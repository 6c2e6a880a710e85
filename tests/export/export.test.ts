// `ftl export`: a LoRA run on an init-model base becomes (a) a merged Hugging Face folder and
// (b) a PEFT adapter folder. The merged model's logits equal base + adapter's within 1e-5
// (both loaded back from disk through model.load and the adapter reader), and differ from the
// base's (the adapter trained). GPT-2 covers Conv1D layouts and split q; Llama exact PEFT names.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuExecutor } from '../../runtime/cpu/executor.ts';
import { exportRun } from '../../runtime/export/export-run.ts';
import { initModel } from '../../runtime/export/init-model.ts';
import { fullGraph } from '../../runtime/generate/decode-graph.ts';
import { folderModel } from '../../runtime/generate/model-folder.ts';
import { runRecipe } from '../../runtime/train/run.ts';
import { readSafetensors } from '../../runtime/checkpoint/safetensors.ts';

const corpus = join(process.cwd(), 'examples/data/corpus.txt');
const ids = [84, 104, 101, 32, 113, 117];

async function logits(model: string, adapter?: string): Promise<Float32Array> {
  const f = folderModel(model, adapter);
  if (!f.ok) throw new Error(JSON.stringify(f.diagnostics));
  const g = fullGraph(f.value.source, f.value.file, ids.length);
  if (!g.ok) throw new Error(JSON.stringify(g.diagnostics));
  for (const [k, v] of f.value.adapterValues) g.value.values.set(k, v);
  const ex = new CpuExecutor(g.value.graph);
  for (const [k, v] of g.value.values) ex.setParam(k, v);
  ex.setInput('tokens', Int32Array.from(ids));
  await ex.step();
  return (await ex.readOutputs(['logits'])).logits;
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const cases = {
  gpt2: 'blocks.*.{attn.q,attn.v,mlp.fc}',
  llama: 'layers.*.self_attn.{q_proj,v_proj}',
} as const;

describe('export', () => {
  for (const [arch, targets] of Object.entries(cases) as ['gpt2' | 'llama', string][])
    it(`${arch} + LoRA: merged folder == base + PEFT adapter within 1e-5`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ftl-export-'));
      const base = join(dir, 'base');
      expect(
        initModel({
          arch,
          layers: 2,
          d: 16,
          heads: 4,
          kvHeads: arch === 'llama' ? 2 : undefined,
          ctx: 16,
          out: base,
          seed: 1,
        }).ok,
      ).toBe(true);
      const recipe = join(dir, 'lora.ftl');
      writeFileSync(
        recipe,
        `import std.models.${arch}\nimport std.methods.lora\nimport std.losses.causal_lm\nimport std.optim.adamw\n` +
          `recipe tune {\n  model = ${arch}.load("base")\n  data = text("${corpus}") |> tokenize(model.tokenizer) |> chunks(seq: 8) |> batch(2)\n` +
          `  apply lora(r: 2, alpha: 4, targets: "${targets}")\n  loss = causal_lm\n  optim = adamw(lr: 5e-2)\n  train(steps: 3, log_every: 1, save: "out")\n}\n`,
      );
      const run = await runRecipe(recipe, { device: 'cpu' });
      expect(run.ok, JSON.stringify(run.diagnostics)).toBe(true);
      const to = join(dir, 'hf');
      const r = exportRun(join(dir, 'out'), to);
      expect(r.ok, JSON.stringify(!r.ok && r.diagnostics)).toBe(true);
      expect(existsSync(join(to, 'tokenizer.json'))).toBe(true);
      const cfg = JSON.parse(readFileSync(join(to, 'adapter', 'adapter_config.json'), 'utf8'));
      expect(cfg).toMatchObject({ peft_type: 'LORA', r: 2, lora_alpha: 4 });
      const names = Object.keys(
        (readSafetensors(join(to, 'adapter', 'adapter_model.safetensors')) as { value: { tensors: object } })
          .value.tensors,
      );
      if (arch === 'llama')
        expect(names).toContain('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight');
      else expect(names).toContain('base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight');
      // The context length survives the round trip (Llama keeps the loaded folder's).
      const hf = JSON.parse(readFileSync(join(to, 'config.json'), 'utf8'));
      expect(arch === 'llama' ? hf.max_position_embeddings : hf.n_positions).toBe(16);
      const merged = await logits(to);
      const adapted = await logits(base, join(to, 'adapter'));
      const plain = await logits(base);
      expect(maxDiff(merged, adapted)).toBeLessThan(1e-5);
      expect(maxDiff(merged, plain)).toBeGreaterThan(1e-3);
    });

  it('a folder without run.json is a diagnostic', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-export-'));
    const r = spawnSync(process.execPath, ['cli/ftl.js', 'export', dir, '--to', join(dir, 'x')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not an ftl run folder/);
  });
});
