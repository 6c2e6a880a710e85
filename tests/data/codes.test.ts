// Every FTL07xx code the runtime's file-facing code emits is listed in runtimeCatalogue, once,
// and does not collide with the compiler's catalogue.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeCatalogue } from '../../runtime/data/codes.ts';
import { catalogue } from '../../compiler/diagnostics/catalogue.ts';

describe('runtime diagnostic codes', () => {
  it('are catalogued, unique, and disjoint from the compiler catalogue', () => {
    const root = path.join(import.meta.dirname, '../../runtime');
    const used = new Set<string>();
    for (const d of ['data', 'tokenizer', 'checkpoint', 'train'])
      for (const f of fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.ts') && f !== 'codes.ts'))
        for (const m of fs.readFileSync(path.join(root, d, f), 'utf8').matchAll(/'(FTL07\d\d)'/g))
          used.add(m[1]!);
    const listed = runtimeCatalogue.map((e) => e.code);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...used].filter((c) => !listed.includes(c))).toEqual([]);
    const compiler = new Set(catalogue.map((e) => e.code));
    expect(
      listed.filter(
        (c) =>
          compiler.has(c) &&
          catalogue.find((e) => e.code === c)!.name !== runtimeCatalogue.find((e) => e.code === c)!.name,
      ),
    ).toEqual([]);
  });
});

describe('the compiler catalogue finds runtime codes', () => {
  it('entryByCode knows FTL07xx', async () => {
    const { entryByCode } = await import('../../compiler/diagnostics/catalogue.ts');
    for (const e of runtimeCatalogue) expect(entryByCode(e.code)).toEqual(e);
  });
});
