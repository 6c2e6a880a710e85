// `ftl fmt` as a command (fmtFiles is what the registered action runs): printing, --check,
// --write, and a file with syntax errors reported and left byte-for-byte unchanged.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { fmtFiles, register } from '../../cli/commands/fmt.ts';

const dir = mkdtempSync(join(tmpdir(), 'ftl-fmt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const messy = 'method bitfit() { freeze all; unfreeze "**.bias" } // tidy me\n';
const tidy = 'method bitfit() {\n  freeze all\n  unfreeze "**.bias"\n} // tidy me\n';
const broken = 'recipe r {\n  x = (1 +\n';

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('ftl fmt', () => {
  it('registers `fmt` with --check and --write', () => {
    const program = new Command('ftl');
    register(program);
    const cmd = program.commands.find((c) => c.name() === 'fmt')!;
    expect(cmd.options.map((o) => o.long)).toEqual(['--check', '--write']);
  });

  it('prints the formatted text and leaves the file alone', async () => {
    const p = file('print.ftl', messy);
    const r = await fmtFiles([p]);
    expect(r).toEqual({ exitCode: 0, stdout: tidy, stderr: '' });
    expect(readFileSync(p, 'utf8')).toBe(messy);
  });

  it('--check lists unformatted files and exits 1; 0 when all are formatted', async () => {
    const a = file('a.ftl', messy);
    const b = file('b.ftl', tidy);
    const r = await fmtFiles([a, b], { check: true });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(`${a}\n`);
    expect(r.stderr).toContain('1 of 2 files not formatted');
    expect((await fmtFiles([b], { check: true })).exitCode).toBe(0);
  });

  it('--write rewrites only the files that change', async () => {
    const a = file('w.ftl', messy);
    const b = file('w2.ftl', tidy);
    const r = await fmtFiles([a, b], { write: true });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`formatted ${a}\n`);
    expect(readFileSync(a, 'utf8')).toBe(tidy);
    expect(readFileSync(b, 'utf8')).toBe(tidy);
  });

  it('reports syntax errors with a code frame and never rewrites the file', async () => {
    const p = file('broken.ftl', broken);
    const ok = file('fine.ftl', messy);
    const r = await fmtFiles([p, ok], { write: true });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/broken\.ftl:\d+:\d+: error\[FTL01\d\d/);
    expect(r.stderr).toContain(`${p}: not formatted (syntax errors)`);
    expect(readFileSync(p, 'utf8')).toBe(broken); // untouched
    expect(readFileSync(ok, 'utf8')).toBe(tidy); // the other file is still formatted
  });

  it('reports a missing file', async () => {
    const r = await fmtFiles([join(dir, 'nope.ftl')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('cannot read');
  });
});

describe('ftl fmt -', () => {
  it('formats standard input exactly (for editors), and reports its errors as <stdin>', async () => {
    const r = await fmtFiles(['-'], { stdin: async () => messy });
    expect(r).toEqual({ exitCode: 0, stdout: tidy, stderr: '' });
    const bad = await fmtFiles(['-'], { stdin: async () => broken });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^<stdin>:\d+:\d+: error\[FTL01/);
    expect(bad.stderr).toContain('<stdin>: not formatted (syntax errors)');
    expect(bad.stderr).toContain(' | recipe r {'); // the code frame shows the source line
  });
});
