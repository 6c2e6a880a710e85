// `ftl methods`: every stdlib method is listed with the first line of its doc comment.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stdlibEntries } from '../../cli/commands/methods.ts';

const ftl = (args: string[]) =>
  spawnSync(process.execPath, ['cli/ftl.js', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('ftl methods', () => {
  const entries = stdlibEntries();

  it('finds every method of the stdlib, each with a doc comment', () => {
    const methods = entries.filter((e) => e.kind === 'method');
    expect(methods.map((m) => m.name)).toEqual(expect.arrayContaining(['lora', 'bitfit', 'sparse_update']));
    for (const e of entries)
      expect(e.doc.length, `${e.module}.${e.name} has no /// doc comment`).toBeGreaterThan(10);
  });

  it('lists them by kind and shows one in full', () => {
    const list = ftl(['methods']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^methods$/m);
    expect(list.stdout).toMatch(/^ +lora +LoRA/m);
    const one = ftl(['methods', 'lora']);
    expect(one.stdout).toMatch(/^method lora\(r: int = 8/m);
    expect(one.stdout).toMatch(/import std\.methods\.lora/);
  });

  it('suggests a close name for an unknown one and exits 1', () => {
    const r = ftl(['methods', 'lor']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/did you mean .*lora/);
  });
});
