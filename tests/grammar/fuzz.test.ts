// Fuzz: 10,000 inputs made by mutating and truncating the samples, error samples and the
// stdlib (seeded PRNG, so failures reproduce). Parsing and checking must never throw, never
// hit an internal error, and every diagnostic and every AST node must have a valid span.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ftlFilesUnder as ftlFiles } from '../../compiler/check/ftl-files.ts';
import { checkSource } from '../../compiler/check/index.ts';
import type { Span } from '../../compiler/diagnostics/span.ts';
import { walk } from '../../grammar/index.ts';

const repo = join(import.meta.dirname, '../..');

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ',',
  ';',
  ':',
  '.',
  '..',
  '...',
  '=',
  '=>',
  '->',
  '|>',
  '@',
  '^T',
  '^',
  '+=',
  '-=',
  '"',
  '"x"',
  '/*',
  '*/',
  '//',
  '///',
  '\n',
  ' ',
  'let ',
  'for ',
  'in ',
  'if ',
  'else ',
  'return ',
  'fn ',
  'model ',
  'module ',
  'param ',
  'stage ',
  'freeze ',
  'unfreeze ',
  'wrap ',
  'merge ',
  'apply ',
  'state ',
  'update ',
  'forward',
  'backward',
  'rows(',
  'recipe ',
  'import std.',
  'x',
  '0',
  '1e-3',
  '-',
  '!',
  '$',
  '\t',
  'f32[',
  'B, T',
  '\u00e9',
  '\\',
];

function mutate(src: string, rnd: () => number): string {
  const at = () => Math.floor(rnd() * (src.length + 1));
  const op = Math.floor(rnd() * 6);
  if (op === 0) return src.slice(0, at()); // truncate
  if (op === 1) {
    const i = at();
    return src.slice(0, i) + src.slice(i + 1 + Math.floor(rnd() * 20)); // delete a run
  }
  if (op === 2 || op === 3) {
    let s = src;
    for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
      const i = Math.floor(rnd() * (s.length + 1));
      s = s.slice(0, i) + pieces[Math.floor(rnd() * pieces.length)] + s.slice(i); // insert tokens
    }
    return s;
  }
  if (op === 4) {
    const i = at();
    const j = Math.min(src.length, i + Math.floor(rnd() * 40));
    return src.slice(0, j) + src.slice(i, j) + src.slice(j); // duplicate a run
  }
  const lines = src.split('\n'); // swap two lines
  const a = Math.floor(rnd() * lines.length);
  const b = Math.floor(rnd() * lines.length);
  [lines[a], lines[b]] = [lines[b]!, lines[a]!];
  return lines.join('\n');
}

function validSpan(s: Span | undefined, text: string): string | undefined {
  if (!s) return 'missing span';
  if (!(s.start >= 0 && s.start <= s.end && s.end <= text.length))
    return `span [${s.start}, ${s.end}) outside text of ${text.length}`;
  const before = text.slice(0, s.start);
  const line = before.split('\n').length;
  const col = s.start - before.lastIndexOf('\n');
  if (s.line !== line || s.col !== col) return `span line/col ${s.line}:${s.col}, offset says ${line}:${col}`;
  return undefined;
}

describe('fuzz', () => {
  it('10,000 mutated inputs: no exception, valid spans everywhere', () => {
    const corpus = [
      ...ftlFiles(join(repo, 'tests/samples')),
      ...ftlFiles(join(repo, 'stdlib')),
      ...ftlFiles(join(repo, 'tests/grammar/errors')),
      ...ftlFiles(join(repo, 'tests/check/errors')),
    ].map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));
    expect(corpus.length).toBeGreaterThan(20);
    const rnd = prng(20261122);
    let withErrors = 0;
    for (let n = 0; n < 10_000; n++) {
      const { file, text: whole } = corpus[Math.floor(rnd() * corpus.length)]!;
      // a window of whole lines (up to ~600 characters) keeps each input small and fast
      const from = whole.lastIndexOf('\n', Math.floor(rnd() * whole.length)) + 1;
      const to = whole.indexOf('\n', from + 600);
      const src = rnd() < 0.1 ? whole : whole.slice(from, to < 0 ? undefined : to);
      let text = mutate(src, rnd);
      if (rnd() < 0.3) text = mutate(text, rnd);
      const where = `input #${n} (from ${file})`;
      const { ast, diagnostics } = checkSource(text, file);
      for (const d of diagnostics) {
        expect(d.code, `${where}: ${d.message}`).not.toBe('FTL0100');
        const bad = validSpan(d.span, text);
        if (bad) expect.fail(`${where}: diagnostic ${d.code} ${d.message}: ${bad}\n---\n${text}`);
      }
      if (diagnostics.length > 0) withErrors++;
      if (n % 10 === 0) {
        walk(ast, (node) => {
          const bad = validSpan(node.span, text);
          if (bad) expect.fail(`${where}: ${node.kind}: ${bad}\n---\n${text}`);
        });
      }
    }
    // the mutations must actually exercise error paths
    expect(withErrors).toBeGreaterThan(5000);
  }, 60_000);
});
