// `ftl init-model` round trip: the folder it writes loads through `model.load(dir)` in a
// recipe with exactly the weights a fresh `gpt2(...)`/`llama(...)` draws for the same seed
// (so the HF names and GPT-2's Conv1D [in, out] layout are inverse to the loader's), and the
// recipe trains. The CLI writes HF field names into config.json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { initModel } from '../../runtime/export/init-model.ts';
import { readSafetensors } from '../../runtime/checkpoint/safetensors.ts';
import { runRecipe } from '../../runtime/train/run.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ftl-init-'));
const corpus = join(process.cwd(), 'examples/data/corpus.txt');

function recipe(dir: string, model: string, tok = 'model.tokenizer'): string {
  const file = join(dir, 'r.ftl');
  writeFileSync(
    file,
    `import std.models.gpt2\nimport std.models.llama\nimport std.losses.causal_lm\nimport std.optim.adamw\n` +
      `recipe r {\n  model = ${model}\n  data = text("${corpus}") |> tokenize(${tok}) |> chunks(seq: 8) |> batch(2)\n` +
      `  loss = causal_lm\n  optim = adamw(lr: 1e-2)\n  train(steps: 3, log_every: 1)\n}\n`,
  );
  return file;
}

describe('init-model', () => {
  for (const arch of ['gpt2', 'llama'] as const) {
    it(`${arch}: load(dir) gives the same weights as a fresh model with the seed, and trains`, async () => {
      const dir = tmp();
      const out = join(dir, 'm');
      const r = initModel({
        arch,
        layers: 2,
        d: 16,
        heads: 4,
        kvHeads: arch === 'llama' ? 2 : undefined,
        ctx: 16,
        out,
        seed: 7,
        tokenizer: `train:${corpus}`,
        vocab: 300,
      });
      expect(r.ok).toBe(true);
      const loaded = compile(readFileSync(recipe(dir, `${arch}.load("${out}")`), 'utf8'), join(dir, 'r.ftl'));
      expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const fresh = compile(
        readFileSync(
          recipe(
            dir,
            arch === 'gpt2'
              ? 'gpt2(vocab: 300, ctx: 16, d: 16, heads: 4, layers: 2)'
              : 'llama(vocab: 300, d: 16, heads: 4, kv_heads: 2, n_layers: 2, hidden: 48)',
            `"${out}/tokenizer.json"`,
          ),
          'utf8',
        ),
        join(dir, 'r.ftl'),
      );
      const a = loaded.build!.initialValues(0);
      expect(fresh.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const b = fresh.build!.initialValues(7);
      const names = loaded.build!.params.filter((p) => p.role === 'param').map((p) => p.name);
      expect(names.length).toBeGreaterThan(10);
      for (const n of names) expect(Array.from(a.get(n)!), n).toEqual(Array.from(b.get(n)!));
      const run = await runRecipe(recipe(dir, `${arch}.load("${out}")`), { device: 'cpu' });
      expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const losses = run.loop!.losses.map(([, l]) => l);
      expect(losses).toHaveLength(3);
      // Random init over 300 tokens: the first loss is near ln(300).
      expect(Math.abs(losses[0] - Math.log(300))).toBeLessThan(0.5);
    });
  }

  it('GPT-2 stores Conv1D weights [in, out] with q|k|v fused in c_attn', () => {
    const out = join(tmp(), 'g');
    expect(initModel({ arch: 'gpt2', layers: 1, d: 8, heads: 2, ctx: 4, out, seed: 0 }).ok).toBe(true);
    const t = readSafetensors(join(out, 'model.safetensors'));
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    const T = t.value.tensors;
    expect(T['h.0.attn.c_attn.weight'].shape).toEqual([8, 24]);
    expect(T['h.0.attn.c_attn.bias'].shape).toEqual([24]);
    expect(T['h.0.mlp.c_fc.weight'].shape).toEqual([8, 32]);
    expect(T['h.0.mlp.c_proj.weight'].shape).toEqual([32, 8]);
    expect(T['wte.weight'].shape).toEqual([257, 8]);
    expect(T['lm_head.weight']).toBeUndefined();
  });

  it('the CLI writes HF config field names and a loadable tokenizer', () => {
    const out = join(tmp(), 'l');
    const r = spawnSync(
      process.execPath,
      [
        'cli/ftl.js',
        'init-model',
        '--arch',
        'llama',
        '--layers',
        '1',
        '--d',
        '8',
        '--heads',
        '2',
        '--kv-heads',
        '1',
        '--tokenizer',
        'bytes',
        '--ctx',
        '32',
        '--out',
        out,
        '--seed',
        '1',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      model_type: 'llama',
      hidden_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      vocab_size: 257,
      max_position_embeddings: 32,
      tie_word_embeddings: false,
    });
    expect(typeof cfg.rms_norm_eps).toBe('number');
    expect(typeof cfg.rope_theta).toBe('number');
    expect(typeof cfg.intermediate_size).toBe('number');
    const bad = spawnSync(
      process.execPath,
      [
        'cli/ftl.js',
        'init-model',
        '--arch',
        'bert',
        '--layers',
        '1',
        '--d',
        '8',
        '--heads',
        '2',
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--arch must be gpt2 or llama/);
  });
});
