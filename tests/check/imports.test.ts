// Import resolution: std.* under the stdlib folder, other paths beside the importing file,
// everything else an error (bare `std`, stdlib importing non-std, symlinks escaping a root).
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource, fsImportResolver, memoryImportResolver } from '../../compiler/check/index.ts';

const root = mkdtempSync(join(tmpdir(), 'ftl-imports-'));
const std = join(root, 'stdlib');
const proj = join(root, 'proj');
const outside = join(root, 'elsewhere');
for (const d of [join(std, 'methods'), join(proj, 'lib'), outside]) mkdirSync(d, { recursive: true });
writeFileSync(join(std, 'methods', 'lora.ftl'), 'method lora(r: int = 8) { freeze all }\n');
writeFileSync(join(std, 'methods', 'uses_local.ftl'), 'import helpers\n');
writeFileSync(join(proj, 'lib', 'helpers.ftl'), 'fn double(x) = 2 * x\nfn triple(x) = 3 * x\n');
writeFileSync(join(outside, 'secret.ftl'), 'fn leak() = 1\n');
symlinkSync(join(outside, 'secret.ftl'), join(proj, 'sneaky.ftl'));
const resolve = fsImportResolver(std);

describe('fsImportResolver', () => {
  it('resolves std.* under the stdlib and other paths beside the file', () => {
    const a = resolve(['std', 'methods', 'lora'], join(proj, 'r.ftl'));
    expect(a.ok && a.file).toBe(join(std, 'methods', 'lora.ftl'));
    const b = resolve(['lib', 'helpers'], join(proj, 'r.ftl'));
    expect(b.ok && b.text).toContain('fn double');
  });

  it('rejects a bare std, non-std imports from the stdlib, and symlinks out of the folder', () => {
    expect(resolve(['std'], join(proj, 'r.ftl'))).toMatchObject({ ok: false, reason: 'outside-roots' });
    expect(resolve(['helpers'], join(std, 'methods', 'uses_local.ftl'))).toMatchObject({
      ok: false,
      reason: 'outside-roots',
    });
    expect(resolve(['sneaky'], join(proj, 'r.ftl'))).toMatchObject({ ok: false, reason: 'outside-roots' });
  });

  it('suggests the closest existing file', () => {
    const r = resolve(['std', 'methods', 'lorra'], join(proj, 'r.ftl'));
    expect(r).toMatchObject({ ok: false, reason: 'not-found', hint: 'did you mean `lora`?' });
    const s = resolve(['stdd', 'methods', 'lora'], join(proj, 'r.ftl'));
    expect(s).toMatchObject({ ok: false, reason: 'not-found', hint: 'did you mean `std.methods.lora`?' });
  });
});

describe('checking with imports', () => {
  const file = join(proj, 'r.ftl');
  it('binds the file namespace, its members, and unqualified declarations', () => {
    const text = 'import lib.helpers\nfn f(x) = helpers.double(x) + triple(x)\nfn g(x) = helpers.doubel(x)\n';
    const { diagnostics } = checkSource(text, file, { resolveImport: resolve });
    expect(diagnostics.map((d) => [d.code, d.span?.line, d.hint])).toEqual([
      ['FTL0213', 3, 'did you mean `double`?'],
    ]);
  });

  it('checks calls against imported declarations and reports import errors at the import', () => {
    const text =
      'import std.methods.lora\nimport std.methods.nope\nrecipe r { model = m; apply lora(R: 4) }\nfn m() = 1\n';
    const { diagnostics } = checkSource(text, file, { resolveImport: resolve });
    expect(diagnostics.map((d) => `${d.code}@${d.span?.line}`)).toEqual(['FTL0216@2', 'FTL0302@3']);
    expect(diagnostics[1]!.hint).toBe('did you mean `r`?');
  });

  it('works with an in-memory resolver', () => {
    const mem = memoryImportResolver({ '/stdlib/losses/l.ftl': 'loss l(model, batch) = 0\n' });
    const { diagnostics } = checkSource(
      'import std.losses.l\nrecipe r { model = m; loss = l }\nfn m() = 1\n',
      '/p/r.ftl',
      { resolveImport: mem },
    );
    expect(diagnostics).toEqual([]);
  });
});

describe('unknown names the stdlib declares', () => {
  it('hint at the import that brings them in', () => {
    const { diagnostics } = checkSource(
      'recipe r {\n  model = m\n  optim = adamw(lr: 1e-3)\n}\nfn m() = 1\n',
      join(proj, 'r.ftl'),
    );
    expect(diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ['FTL0201', '`adamw` is in the stdlib: add `import std.optim.adamw`'],
    ]);
  });
});
