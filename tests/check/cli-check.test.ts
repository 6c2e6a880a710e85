// `ftl check`: code frames or JSON on stdout, exit status 1 on errors, unreadable files
// reported as diagnostics.
import { Command } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkFiles, register } from '../../cli/commands/check.ts';

const dir = mkdtempSync(join(tmpdir(), 'ftl-check-'));
const good = join(dir, 'good.ftl');
const bad = join(dir, 'bad.ftl');
writeFileSync(good, 'fn f(x) = exp(x)\n');
writeFileSync(bad, 'fn f(x) = softmax(x, axs: 1)\n');

async function run(args: string[]): Promise<{ out: string; code: number | undefined }> {
  let out = '';
  const spy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  process.exitCode = undefined;
  const program = new Command('ftl').exitOverride();
  register(program);
  await program.parseAsync(['node', 'ftl', 'check', ...args]);
  spy.mockRestore();
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, code };
}

afterEach(() => vi.restoreAllMocks());

describe('ftl check', () => {
  it('exits 0 and says so for clean files', async () => {
    const r = await run([good]);
    expect(r.code).toBeUndefined();
    expect(r.out).toBe('1 file checked: 0 errors, 0 warnings\n');
  });

  it('prints a code frame and exits 1 on errors', async () => {
    const r = await run([good, bad]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${bad}:1:22: error[FTL0302 unknown-argument]: \`softmax\` has no parameter \`axs\``,
    );
    expect(r.out).toContain('did you mean `axis`?');
    expect(r.out).toContain('2 files checked: 1 error, 0 warnings');
  });

  it('emits JSON for tools', async () => {
    const r = await run(['--format', 'json', bad, join(dir, 'missing.ftl')]);
    const doc = JSON.parse(r.out) as {
      files: { file: string; diagnostics: { code: string; name: string }[] }[];
      errors: number;
    };
    expect(doc.errors).toBe(2);
    expect(doc.files.map((f) => f.diagnostics.map((d) => `${d.code} ${d.name}`))).toEqual([
      ['FTL0302 unknown-argument'],
      ['FTL0109 unreadable-file'],
    ]);
    expect(r.code).toBe(1);
  });

  it('checkFiles counts errors across files', () => {
    expect(checkFiles([good, bad]).errors).toBe(1);
  });
});

describe("hints for other trainers' spellings", () => {
  it('maps learning_rate, rank, max_steps and optimizer to ftl names', async () => {
    const f = join(dir, 'aliases.ftl');
    writeFileSync(
      f,
      'import std.methods.lora\nimport std.optim.adamw\nrecipe r {\n  model = m\n  apply lora(rank: 8)\n  optimizer = adamw(learning_rate: 1e-4)\n  train(max_steps: 3)\n}\nfn m() = 1\n',
    );
    const [file] = checkFiles([f]).files;
    expect(file!.diagnostics.map((d) => [d.code, d.hint?.split('?')[0]])).toEqual([
      ['FTL0302', 'did you mean `r`'],
      ['FTL0209', 'did you mean `optim`'],
      ['FTL0302', 'did you mean `lr`'],
      ['FTL0302', 'did you mean `steps`'],
    ]);
  });
});

describe('folders', () => {
  it('checks every .ftl file under a folder', async () => {
    const r = await run([dir]);
    expect(r.out).toMatch(/\d+ files checked: \d+ errors?/);
    expect(checkFiles([dir]).files.map((f) => f.file.slice(dir.length + 1))).toEqual(
      expect.arrayContaining(['bad.ftl', 'good.ftl']),
    );
  });
});
