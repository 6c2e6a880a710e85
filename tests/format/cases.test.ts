// Hand-written before/after cases: the canonical style of `ftl fmt`, one rule per case.

import { describe, expect, it } from 'vitest';
import { formatFtl } from '../../grammar/format/format.ts';

const lines = (...ls: string[]) => ls.join('\n') + '\n';

async function fmt(src: string): Promise<string> {
  const r = await formatFtl(src, 'case.ftl');
  if (!r.ok) throw new Error(r.internalError ?? r.diagnostics.map((d) => d.message).join('; '));
  return r.formatted;
}

const cases: [name: string, before: string, after: string][] = [
  [
    'one statement per line, 2-space indent, non-empty blocks broken',
    'method bitfit() { freeze all; unfreeze "**.bias" }',
    lines('method bitfit() {', '  freeze all', '  unfreeze "**.bias"', '}'),
  ],
  [
    'spaces around binary operators, `name: value` arguments, none inside brackets',
    'fn f(x:f32[B,T],k:int=2)->f32[B,T]=relu( x@w^T+b*2 , axis : -1 )[ : , 1: ]',
    lines('fn f(x: f32[B, T], k: int = 2) -> f32[B, T] = relu(x @ w^T + b * 2, axis: -1)[:, 1:]'),
  ],
  [
    'a pipeline that fits stays on one line; a long one goes one stage per line',
    lines(
      'recipe r {',
      '  small = a |> b(1)',
      '  data = text("data/corpus.txt") |> tokenize(model.tokenizer) |> chunks(seq: 128) |> shuffle(seed: 0) |> batch(8)',
      '}',
    ),
    lines(
      'recipe r {',
      '  small = a |> b(1)',
      '  data = text("data/corpus.txt")',
      '    |> tokenize(model.tokenizer)',
      '    |> chunks(seq: 128)',
      '    |> shuffle(seed: 0)',
      '    |> batch(8)',
      '}',
    ),
  ],
  [
    'a long argument list goes one per line (no trailing comma: the parser takes none)',
    'recipe r { train(steps: 300, log_every: 10, eval_every: 100, save: "out/quickstart", resume_from: "out/previous-run/checkpoint") }',
    lines(
      'recipe r {',
      '  train(',
      '    steps: 300,',
      '    log_every: 10,',
      '    eval_every: 100,',
      '    save: "out/quickstart",',
      '    resume_from: "out/previous-run/checkpoint"',
      '  )',
      '}',
    ),
  ],
  [
    "the user's parentheses are kept; numbers and strings are kept as written",
    'loss l(m, b) = ((alpha / r)) * (x - y) - (1e-5 + 3E-4) * len("a\\"b")',
    lines('loss l(m, b) = (alpha / r) * (x - y) - (1e-5 + 3E-4) * len("a\\"b")'),
  ],
  [
    'comments stay in place: doc above, trailing at line end, own-line, block inline, inside `{`',
    lines(
      '// header',
      '',
      '',
      '/// Doc line.',
      'method m(r: int /* rank */, a: float) { // why',
      '  freeze all   // first',
      '',
      '',
      '  // before the loop',
      '  for x in xs { y = x }',
      '}',
    ),
    lines(
      '// header',
      '',
      '/// Doc line.',
      'method m(r: int /* rank */, a: float) { // why',
      '  freeze all // first',
      '',
      '  // before the loop',
      '  for x in xs {',
      '    y = x',
      '  }',
      '}',
    ),
  ],
  [
    'a comment between pipeline stages stays with the stage above it',
    lines('recipe r {', '  data = a', '    |> b // keep b', '    // about c', '    |> c', '}'),
    lines('recipe r {', '  data = a', '    |> b // keep b', '    // about c', '    |> c', '}'),
  ],
  [
    'one blank line between declarations; consecutive imports stay together',
    lines('import std.a', 'import std.b', 'module m() { }', 'fn f(x) = x', '', '', '', 'fn g(x) = x'),
    lines('import std.a', 'import std.b', '', 'module m() {}', '', 'fn f(x) = x', '', 'fn g(x) = x'),
  ],
  [
    'a `;` is kept where the next line would otherwise continue the statement',
    'method m() { let a = b; (c) |> d; -e; return; x = 1 }',
    lines('method m() {', '  let a = b;', '  (c) |> d;', '  -e', '  return;', '  x = 1', '}'),
  ],
  [
    'a custom backward rule goes on its own indented line',
    'fn round_ste(x) = round(x) backward(g) = g',
    lines('fn round_ste(x) = round(x)', '  backward(g) = g'),
  ],
  [
    'declaration spellings the AST does not record are kept (`name()`, `module x = ...`)',
    'method bitfit() { module adapter = bottleneck(8) }  schedule constant = 1.0',
    lines('method bitfit() {', '  module adapter = bottleneck(8)', '}', '', 'schedule constant = 1.0'),
  ],
  [
    'a long expression breaks after `=` and then before operators',
    'method m() { let margin = (lp(model, batch.chosen) - lp(ref, batch.chosen)) - (lp(model, batch.rejected) - lp(ref, batch.rejected)) + extra_term_x }',
    lines(
      'method m() {',
      '  let margin =',
      '    (lp(model, batch.chosen) - lp(ref, batch.chosen))',
      '      - (lp(model, batch.rejected) - lp(ref, batch.rejected))',
      '      + extra_term_x',
      '}',
    ),
  ],
];

describe('ftl fmt canonical style', () => {
  it.each(cases)('%s', async (_name, before, after) => {
    expect(await fmt(before)).toBe(after);
    expect(await fmt(after)).toBe(after); // the expected text is itself canonical
  });

  it('refuses a file with syntax errors and reports them', async () => {
    const r = await formatFtl('recipe r { x = (1 +\n', 'bad.ftl');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.internalError).toBeUndefined();
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.diagnostics.every((d) => d.span?.file === 'bad.ftl')).toBe(true);
    }
  });

  it('formats an empty file and a file of comments only', async () => {
    expect(await fmt('')).toBe('');
    expect(await fmt('// only\n\n\n/* a comment */\n')).toBe(lines('// only', '', '/* a comment */'));
  });
});
