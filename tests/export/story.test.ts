// The whole shipped story with one training step each, on copies of examples/ in a temp
// folder: pretrain.ftl from scratch -> export to a Hugging Face folder -> lora-instruct.ftl
// loads it and tunes a LoRA on instructions.jsonl -> export (merged + PEFT adapter) ->
// generate from base + adapter and from the merged folder: the same greedy tokens.
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exportRun } from '../../runtime/export/export-run.ts';
import { generateText } from '../../runtime/generate/index.ts';
import { runRecipe } from '../../runtime/train/run.ts';

it('pretrain -> export -> LoRA -> export -> generate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-story-'));
  for (const f of ['pretrain.ftl', 'lora-instruct.ftl', 'data'])
    cpSync(join('examples', f), join(dir, f), { recursive: true });
  const pre = await runRecipe(join(dir, 'pretrain.ftl'), { device: 'cpu', steps: 1 });
  expect(pre.ok, JSON.stringify(pre.diagnostics)).toBe(true);
  expect(existsSync(join(dir, 'out/pretrain/checkpoint.json'))).toBe(true);
  const e1 = exportRun(join(dir, 'out/pretrain'), join(dir, 'out/pretrain-hf'));
  expect(e1.ok, JSON.stringify(!e1.ok && e1.diagnostics)).toBe(true);

  const tune = await runRecipe(join(dir, 'lora-instruct.ftl'), { device: 'cpu', steps: 1 });
  expect(tune.ok, JSON.stringify(tune.diagnostics)).toBe(true);
  // LoRA starts from the base model exactly: the first loss is the base's on this data.
  expect(Number.isFinite(tune.loop!.losses[0][1])).toBe(true);
  const e2 = exportRun(join(dir, 'out/lora-instruct'), join(dir, 'out/lora-hf'));
  expect(e2.ok, JSON.stringify(!e2.ok && e2.diagnostics)).toBe(true);
  expect(e2.ok && e2.value.adapterFiles).toEqual([
    'adapter/adapter_model.safetensors',
    'adapter/adapter_config.json',
  ]);

  const prompt = 'Question: What is 2 plus 3?\nAnswer:';
  const a = await generateText({
    model: join(dir, 'out/pretrain-hf'),
    adapter: join(dir, 'out/lora-hf/adapter'),
    prompt,
    maxTokens: 4,
    device: 'cpu',
  });
  const b = await generateText({ model: join(dir, 'out/lora-hf'), prompt, maxTokens: 4, device: 'cpu' });
  expect(a.ok && b.ok).toBe(true);
  if (!a.ok || !b.ok) return;
  expect(a.value.tokens.length + (a.value.finish === 'eos' ? 1 : 0)).toBeGreaterThan(0);
  expect(b.value.tokens).toEqual(a.value.tokens);
  // Straight from the run folder: merged on the fly, the same tokens.
  const c = await generateText({
    model: join(dir, 'out/lora-instruct'),
    prompt,
    maxTokens: 4,
    device: 'cpu',
  });
  expect(c.ok, JSON.stringify(!c.ok && c.diagnostics)).toBe(true);
  expect(c.ok && c.value.tokens).toEqual(a.value.tokens);
}, 60_000);
