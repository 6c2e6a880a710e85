// Generator stopping rules and the text API / CLI on a random init-model folder:
// EOS ends generation without emitting it, a stop string cuts the text before it, the
// seed fixes a sampled continuation, max tokens is honoured, and `ftl generate` prints it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initModel } from '../../runtime/export/init-model.ts';
import { decodeGraph, folderModel, generateText, Generator } from '../../runtime/generate/index.ts';

let dir: string;
let gen: Generator;
const prompt = [1, 2, 3];

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'ftl-gen-')), 'm');
  expect(initModel({ arch: 'gpt2', layers: 1, d: 16, heads: 2, ctx: 32, out: dir, seed: 2 }).ok).toBe(true);
  const f = folderModel(dir);
  if (!f.ok) throw new Error('folder');
  const d = decodeGraph(f.value.source, f.value.file, 16);
  if (!d.ok) throw new Error('decode');
  gen = await Generator.open(d.value);
});

describe('Generator', () => {
  it('stops at EOS (not emitted) and at max tokens', async () => {
    const free = await gen.generate(prompt, { maxTokens: 5 });
    expect(free.finish).toBe('length');
    expect(free.tokens).toHaveLength(5);
    const eos = await gen.generate(prompt, { maxTokens: 5, eosId: free.tokens[2] });
    const cut = free.tokens.indexOf(free.tokens[2]);
    expect(eos.finish).toBe('eos');
    expect(eos.tokens).toEqual(free.tokens.slice(0, cut));
  });

  it('cuts the text before a stop string', async () => {
    const decode = (ids: readonly number[]) => ids.map((i) => `<${i}>`).join('');
    const free = await gen.generate(prompt, { maxTokens: 5, decode });
    const stop = `<${free.tokens[1]}>`;
    const r = await gen.generate(prompt, { maxTokens: 5, decode, stop: [stop] });
    expect(r.finish).toBe('stop');
    expect(r.text).toBe(free.text!.slice(0, free.text!.indexOf(stop)));
  });

  it('a seed fixes a sampled continuation; other seeds differ', async () => {
    const o = { maxTokens: 8, temperature: 1.5 };
    const a = await gen.generate(prompt, { ...o, seed: 1 });
    expect((await gen.generate(prompt, { ...o, seed: 1 })).tokens).toEqual(a.tokens);
    // One generator runs one sequence at a time (its cache is shared): sequentially.
    const others: string[] = [];
    for (const seed of [2, 3, 4]) others.push((await gen.generate(prompt, { ...o, seed })).tokens.join());
    expect(others.some((t) => t !== a.tokens.join())).toBe(true);
    // top-k 1 is greedy whatever the temperature.
    const greedy = await gen.generate(prompt, { maxTokens: 8 });
    expect((await gen.generate(prompt, { ...o, topK: 1, seed: 9 })).tokens).toEqual(greedy.tokens);
  });
});

describe('generateText and ftl generate', () => {
  it('decodes with the folder tokenizer; the CLI prints the same text', async () => {
    const r = await generateText({
      model: dir,
      prompt: 'Hi',
      maxTokens: 6,
      device: 'cpu',
      temperature: 0.8,
      seed: 5,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const cli = spawnSync(
      process.execPath,
      [
        'cli/ftl.js',
        'generate',
        '--model',
        dir,
        '--prompt',
        'Hi',
        '--max-tokens',
        '6',
        '--temperature',
        '0.8',
        '--seed',
        '5',
        '--device',
        'cpu',
      ],
      { encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(r.value.text + '\n');
    expect(cli.stderr).toMatch(/cpu: reference executor/);
    const bad = await generateText({ model: join(dir, 'nope'), prompt: 'Hi', maxTokens: 2, device: 'cpu' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.diagnostics[0].message).toMatch(/config\.json/);
  }, 60_000);
});
