// The commands a user types, end to end in a child process: `ftl check` on every shipped
// .ftl file, `ftl compile --emit`/`--report`, and `ftl run --device cpu` on an example.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ftlFilesUnder as ftlFiles } from '../../compiler/check/ftl-files.ts';

const ftl = (args: string[]) =>
  spawnSync(process.execPath, ['cli/ftl.js', ...args], { encoding: 'utf8', timeout: 120_000 });

describe('ftl check', () => {
  it('accepts every stdlib module and example', () => {
    const files = [...ftlFiles('stdlib'), ...ftlFiles('examples')];
    expect(files.length).toBeGreaterThan(10);
    const r = ftl(['check', ...files]);
    expect(r.stderr + r.stdout).not.toMatch(/error\[/);
    expect(r.status).toBe(0);
  });

  it('reports a typo in a recipe key with a location and a suggestion, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-cli-'));
    const f = join(dir, 'bad.ftl');
    writeFileSync(f, readFileSync('examples/mlp.ftl', 'utf8').replace('log_every', 'log_evry'));
    const r = ftl(['check', f]);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/bad\.ftl:\d+:\d+: error\[FTL\d{4}/);
    expect(r.stderr + r.stdout).toMatch(/log_every/);
  });
});

describe('ftl compile', () => {
  it('emits the training IR with source locations', () => {
    const r = ftl(['compile', 'examples/mlp.ftl', '--emit', 'train']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/= matmul %\d+ %\d+ : f32\[32,\d+\]/);
    expect(r.stdout).toMatch(/@ .*stdlib\/nn\/linear\.ftl:\d+:\d+/);
    expect(r.stdout).toMatch(/^update /m);
  });

  it('reports FLOPs and memory as JSON', () => {
    const r = ftl(['compile', 'examples/mlp.ftl', '--report', '--format', 'json', '--target', 'default']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    // mlp_classifier(dim 8, hidden 32, classes 4), batch 32: forward matmuls 2*32*(8*32 + 32*4).
    expect(rep.flops.forward).toBeGreaterThanOrEqual(2 * 32 * (8 * 32 + 32 * 4));
    expect(rep.flops.backward).toBeGreaterThan(rep.flops.forward);
    expect(rep.bytes.trainableParams).toBe(4 * (8 * 32 + 32 + 32 * 4 + 4));
    expect(rep.kernels.count).toBeGreaterThan(0);
  });
});

describe('ftl run', () => {
  it('trains examples/mlp.ftl on the CPU executor and writes metrics and weights', () => {
    const out = mkdtempSync(join(tmpdir(), 'ftl-run-'));
    const r = ftl(['run', 'examples/mlp.ftl', '--device', 'cpu', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/device: +cpu/);
    const log = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log[log.length - 1].loss).toBeLessThan(0.5 * log[0].loss);
    expect(statSync(join(out, 'model.safetensors')).size).toBeGreaterThan(4 * (8 * 32 + 32 * 4));
  });

  it('refuses an unknown optimization pass name', () => {
    const r = ftl(['run', 'examples/mlp.ftl', '--device', 'cpu', '--no-opt', 'fusion']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown pass `fusion`/);
  });
});
