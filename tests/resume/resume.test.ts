// Exact resume: N steps in one run give the same losses as N/2 steps, a checkpoint
// (train(save:, save_every:)), and a resumed run of the remaining N/2 steps. Bitwise on the
// CPU executor; within 1e-6 on WebGPU. A checkpoint of another recipe is refused with a
// diagnostic, not a crash.
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRecipe, type RunOptions } from '../../runtime/train/run.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';

const corpus = join(process.cwd(), 'examples/data/corpus.txt');

/** A tiny GPT-2 with a cosine schedule (reads `step`) and AdamW state, on shuffled data. */
function recipe(dir: string, d = 16, method = ''): string {
  const file = join(dir, `r${d}${method ? 'l' : ''}.ftl`);
  writeFileSync(
    file,
    `import std.models.gpt2\nimport std.losses.causal_lm\nimport std.optim.adamw\nimport std.schedules.cosine\nimport std.methods.lora\n` +
      `recipe r {\n  model = gpt2(vocab: 256, ctx: 16, d: ${d}, heads: 2, layers: 1)\n` +
      `  data = text("${corpus}") |> tokenize("bytes") |> chunks(seq: 16) |> shuffle(seed: 3) |> batch(2)\n` +
      `${method}  loss = causal_lm\n  optim = adamw(lr: 1e-2, weight_decay: 0.01, schedule: cosine(warmup: 2))\n` +
      `  train(steps: 8, log_every: 1, save: "${join(dir, 'ckpt')}", save_every: 4)\n}\n`,
  );
  return file;
}

async function story(device: RunOptions['device'], handle?: DeviceHandle) {
  const a = mkdtempSync(join(tmpdir(), 'ftl-resume-'));
  const full = await runRecipe(recipe(a), { device, handle, out: join(a, 'full'), seed: 5 });
  expect(full.ok, JSON.stringify(full.diagnostics)).toBe(true);
  const half = await runRecipe(recipe(a), { device, handle, steps: 4, out: join(a, 'half'), seed: 5 });
  expect(half.ok).toBe(true);
  expect(existsSync(join(a, 'half', 'checkpoint.json'))).toBe(true);
  // The resumed run takes its seed from the checkpoint, whatever --seed says.
  const rest = await runRecipe(recipe(a), {
    device,
    handle,
    resume: join(a, 'half'),
    out: join(a, 'rest'),
    seed: 99,
  });
  expect(rest.ok, JSON.stringify(rest.diagnostics)).toBe(true);
  return {
    full: full.loop!.losses,
    joined: [...half.loop!.losses, ...rest.loop!.losses],
    fullParams: full.params!,
    restParams: rest.params!,
  };
}

describe('exact resume', () => {
  it('CPU: 8 steps == 4 steps + resume + 4 steps, bit for bit', async () => {
    const { full, joined, fullParams, restParams } = await story('cpu');
    expect(joined.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(joined).toEqual(full);
    for (const [name, v] of fullParams)
      expect(Array.from(restParams.get(name)!), name).toEqual(Array.from(v));
  });

  it('WebGPU: 8 steps == 4 + resume + 4 within 1e-6', async () => {
    const h = await gpu();
    try {
      const { full, joined } = await story('webgpu', h);
      expect(joined.map(([s]) => s)).toEqual(full.map(([s]) => s));
      for (let i = 0; i < full.length; i++)
        expect(Math.abs(joined[i][1] - full[i][1]), `step ${i + 1}`).toBeLessThanOrEqual(1e-6);
    } finally {
      h.destroy();
    }
  }, 120_000);

  it('the checkpoint folder holds params, optimizer state, step and data position', async () => {
    const a = mkdtempSync(join(tmpdir(), 'ftl-resume-'));
    const r = await runRecipe(recipe(a), { device: 'cpu', steps: 4, out: join(a, 'o') });
    expect(r.ok).toBe(true);
    const ptr = JSON.parse(readFileSync(join(a, 'o', 'checkpoint.json'), 'utf8'));
    expect(ptr.latest).toBe('step-00000004');
    const st = JSON.parse(readFileSync(join(a, 'o', ptr.latest, 'state.json'), 'utf8'));
    expect(st.step).toBe(4);
    expect(st.data.batch).toBe(4);
    expect(Object.keys(st.extra.leaves)).toContain('blocks.0.attn.q.weight:m');
  });

  it('a checkpoint of a different parameter set gives a diagnostic', async () => {
    const a = mkdtempSync(join(tmpdir(), 'ftl-resume-'));
    const r = await runRecipe(recipe(a, 16), { device: 'cpu', steps: 4, out: join(a, 'o') });
    expect(r.ok).toBe(true);
    const other = await runRecipe(recipe(a, 8), { device: 'cpu', resume: join(a, 'o') });
    expect(other.ok).toBe(false);
    expect(other.diagnostics[0].code).toBe('FTL0710');
    expect(other.diagnostics[0].message).toMatch(/is \[.*\] there and \[.*\] here/);
    const lora = await runRecipe(recipe(a, 16, '  apply lora(r: 2, targets: "blocks.*.attn.{q,v}")\n'), {
      device: 'cpu',
      resume: join(a, 'o'),
    });
    expect(lora.ok).toBe(false);
    expect(lora.diagnostics[0].message).toMatch(/cannot resume/);
    const none = await runRecipe(recipe(a), { device: 'cpu', resume: join(a, 'nothing-here') });
    expect(none.ok).toBe(false);
    expect(none.diagnostics[0].code).toBe('FTL0709');
  });
});

describe('ftl resume / ftl run --resume', () => {
  it('continues a folder from its run.json and latest checkpoint', async () => {
    const { spawnSync } = await import('node:child_process');
    const a = mkdtempSync(join(tmpdir(), 'ftl-resume-'));
    const file = recipe(a);
    const ftl = (args: string[]) =>
      spawnSync(process.execPath, ['cli/ftl.js', ...args], { encoding: 'utf8', timeout: 120_000 });
    const first = ftl(['run', file, '--device', 'cpu', '--steps', '4', '--out', join(a, 'o')]);
    expect(first.status, first.stderr).toBe(0);
    const r = ftl(['resume', join(a, 'o'), '--device', 'cpu']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trained: +8 steps/);
    const bad = ftl(['resume', a, '--device', 'cpu']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not an ftl run folder/);
  }, 60_000);
});
