// Comments in odd places: line, own-line and block comments inserted after random tokens of
// real .ftl files (a seeded generator, so failures reproduce). Every formatted result must
// keep every comment, parse to the same program, and be a fixed point of the formatter.
// (The full sweep, ~25,000 inputs over every file, ran clean while the attachment rules in
// grammar/format/attach.ts were written; this keeps a fast sample of it in CI.)

import { describe, expect, it } from 'vitest';
import { ftlLexer } from '../../grammar/lexer.ts';
import { parse } from '../../grammar/index.ts';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.ts';
import { formatFtl } from '../../grammar/format/format.ts';
import { astDifference, commentMultiset } from '../../grammar/format/ast-equal.ts';
import { ftlFiles } from './ftl-files.ts';

/** A small LCG: deterministic across runs and platforms. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** `text` with three comments inserted after randomly chosen tokens. */
function withComments(text: string, rnd: () => number): string {
  const toks = ftlLexer.tokenize(text).tokens;
  const picks = [...new Set([0, 1, 2].map(() => Math.floor(rnd() * toks.length)))].sort((a, b) => a - b);
  let out = '';
  let last = 0;
  picks.forEach((idx, i) => {
    const end = toks[idx]!.endOffset! + 1;
    const kind = Math.floor(rnd() * 3);
    const c = kind === 0 ? ` /* b${i} */ ` : kind === 1 ? ` // l${i}\n` : `\n// o${i}\n`;
    out += text.slice(last, end) + c;
    last = end;
  });
  return out + text.slice(last);
}

// the clean files of the repository, one or more variants each (about 100 inputs in all)
const clean = ftlFiles().filter((f) => !hasErrors(parse(f.text, f.name).diagnostics));
const perFile = Math.max(1, Math.ceil(100 / Math.max(1, clean.length)));

describe('comments anywhere', () => {
  it.each(clean.map((f, i) => [f.name, f, i] as const))('%s', async (name, f, i) => {
    const rnd = rng(1000 + i);
    for (let k = 0; k < perFile; k++) {
      const src = withComments(f.text, rnd);
      const before = parse(src, name);
      const r = await formatFtl(src, name);
      if (!r.ok) throw new Error(`${r.internalError ?? 'refused'}\n--- input:\n${src}`);
      const after = parse(r.formatted, name);
      expect(commentMultiset(after.ast.comments), src).toEqual(commentMultiset(before.ast.comments));
      expect(astDifference(before.ast, after.ast), src).toBeUndefined();
      const again = await formatFtl(r.formatted, name);
      expect(again.ok && again.formatted, src).toBe(r.formatted);
    }
  });
});
