// `ftl merge FILE.ftl --decl NAME --arg k=v --to DIR`: a merge declaration evaluated over
// model folders from the command line (LT-SFT's compose_sparse), checked element by element
// against the same arithmetic done here; bad arguments are one-line errors, not traces.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMergeArg } from '../../cli/commands/export.ts';
import { readModelFolder } from '../../runtime/checkpoint/index.ts';
import { initModel } from '../../runtime/export/init-model.ts';

const ftl = (...args: string[]) =>
  spawnSync(process.execPath, ['cli/ftl.js', ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), 'ftl-merge-decl-'));
const model = (seed: number) => {
  const out = join(dir, `m${seed}`);
  const r = initModel({ arch: 'gpt2', layers: 1, d: 16, heads: 2, ctx: 8, tokenizer: 'bytes', out, seed });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return out;
};
const tensors = (d: string) => {
  const r = readModelFolder(d);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value.tensors;
};

describe('ftl merge with a merge declaration', () => {
  it('composes sparse deltas: base + sum(tuned - base), per element', () => {
    const [b, t1, t2] = [model(0), model(1), model(2)];
    const out = join(dir, 'out');
    const r = ftl(
      'merge',
      'stdlib/methods/lt_sft.ftl',
      '--decl',
      'compose_sparse',
      '--arg',
      `base=${b}`,
      '--arg',
      `tuned=[${t1}, ${t2}]`,
      '--to',
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    const [B, X, Y, M] = [b, t1, t2, out].map(tensors);
    expect(Object.keys(M).sort()).toEqual(Object.keys(B).sort());
    for (const name of Object.keys(B)) {
      const [bv, xv, yv, mv] = [B, X, Y, M].map((t) => t[name].data as Float32Array);
      // The body in f32, in its own order: base + ((x - base) + (y - base)).
      let worst = 0;
      for (let i = 0; i < bv.length; i++) {
        const dx = Math.fround(xv[i] - bv[i]);
        const dy = Math.fround(yv[i] - bv[i]);
        const want = Math.fround(bv[i] + Math.fround(dx + dy));
        worst = Math.max(worst, Math.abs(mv[i] - want) / Math.max(1, Math.abs(want)));
      }
      expect(worst, name).toBeLessThanOrEqual(1e-6);
    }
  });

  it('reports an unknown declaration and a malformed argument plainly', () => {
    const r = ftl('merge', 'stdlib/methods/lt_sft.ftl', '--decl', 'compose', '--to', join(dir, 'x'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/compose/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const s = ftl(
      'merge',
      'stdlib/methods/lt_sft.ftl',
      '--decl',
      'compose_sparse',
      '--arg',
      'oops',
      '--to',
      join(dir, 'y'),
    );
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/key=value/);
  });

  it('reads argument values as lists, bools, numbers and strings', () => {
    expect(parseMergeArg('t=[a, b]')).toEqual(['t', ['a', 'b']]);
    expect(parseMergeArg('t=a,b')).toEqual(['t', ['a', 'b']]);
    expect(parseMergeArg('w=0.5')).toEqual(['w', 0.5]);
    expect(parseMergeArg('f=true')).toEqual(['f', true]);
    expect(parseMergeArg('p=runs/a')).toEqual(['p', 'runs/a']);
    expect(typeof parseMergeArg('nokey')).toBe('string');
  });
});
