// The TextMate grammar (grammar/ftl.tmLanguage.json) under vscode-textmate + Oniguruma, the engine
// VS Code uses: specific scopes on specific tokens of a hand-written sample, and every .ftl file in
// the repository (plus the ```ftl fences of docs/language.md) tokenizes with no line where the
// tokenizer gave up and illegal characters exactly where the lexer finds them.

import { describe, expect, it } from 'vitest';
import { scopesOf, tokenize, type Token } from './tokenize.ts';
import { ftlFences, ftlFiles } from '../format/ftl-files.ts';
import { parse } from '../../grammar/index.ts';
import { entryByName } from '../../compiler/diagnostics/catalogue.ts';

const sample = `import std.methods.lora as lo
/// Rank-r update; \`alpha\` scales it.
method lora_like(r: int = 8, alpha: float = 16, targets: pattern = "blocks.*.attn.{q,v}") {
  freeze all // everything else stays fixed
  for m: linear in modules(targets) {
    param m.lora_a: f32[r, m.in] init kaiming_uniform(a: sqrt(5)) trainable
    wrap m(x) = base(x) + (alpha / r) * (x @ m.lora_a^T @ m.lora_b^T)
    merge m.weight += (alpha / r) * (m.lora_b @ m.lora_a)
  }
  unfreeze blocks.3["**.bias"] rows(0 .. 0.25) /* a block
  comment over two lines */
}
module linear(in: int, out: int, bias: bool = true) {
  forward(x: f32[..., in]) -> f32[..., out] = x @ weight^T
}
optimizer sgd(lr: float = 3e-4, eps: float = 1e-8) { update { param -= lr * grad } }
method adapters() { module m.adapter = bottleneck(8) }
recipe quick {
  data = text("a\\"b.txt") |> batch(8) |> filter(s => s.n > 0)
  loss = causal_lm
  train(steps: 300)
}
`;

const innermost = (s: readonly string[]) => s[s.length - 1];

describe('ftl.tmLanguage.json', () => {
  it('scopes keywords, types, names, numbers, strings, comments and operators', async () => {
    const { tokens, stoppedEarly } = await tokenize(sample);
    expect(stoppedEarly).toEqual([]);
    const at = (text: string, nth = 0) => innermost(scopesOf(tokens, text, nth));
    // declarations: keyword + name
    expect(at('method')).toBe('storage.type.method.ftl');
    expect(at('lora_like')).toBe('entity.name.function.ftl');
    expect(at('module')).toBe('storage.type.module.ftl');
    expect(at('linear', 1)).toBe('entity.name.type.ftl');
    expect(at('sgd')).toBe('entity.name.function.ftl');
    expect(at('quick')).toBe('entity.name.type.ftl');
    expect(at('import')).toBe('keyword.control.import.ftl');
    expect(at('m.adapter')).toBe('variable.other.definition.ftl'); // module insertion, not a declaration
    expect(at('module', 1)).toBe('keyword.other.module.ftl');
    expect(at('std.methods.lora')).toBe('entity.name.namespace.ftl');
    // statement keywords and control flow
    for (const k of [
      'freeze',
      'unfreeze',
      'param',
      'wrap',
      'merge',
      'init',
      'trainable',
      'update',
      'forward',
    ])
      expect(at(k), k).toBe(`keyword.other.${k}.ftl`);
    expect(at('all')).toBe('keyword.other.all.ftl');
    expect(at('train')).toBe('keyword.other.train.ftl');
    expect(at('for')).toBe('keyword.control.ftl');
    expect(at('in', 0)).toBe('keyword.control.ftl'); // `for m: linear in ...`
    expect(at('in', 1)).toBe('variable.other.property.ftl'); // `m.in`
    expect(at('in', 2)).toBe('variable.parameter.ftl'); // `linear(in: int)`: a name here
    // `loss = ...` in a recipe is a key, not a declaration
    expect(at('loss')).toBe('variable.other.ftl');
    // types and literals
    for (const t of ['int', 'float', 'pattern', 'f32', 'bool'])
      expect(at(t), t).toBe('support.type.primitive.ftl');
    expect(at('3e-4')).toBe('constant.numeric.float.ftl');
    expect(at('1e-8')).toBe('constant.numeric.float.ftl');
    expect(at('0.25')).toBe('constant.numeric.float.ftl');
    expect(at('8')).toBe('constant.numeric.integer.ftl');
    expect(at('3')).toBe('variable.other.property.ftl'); // `blocks.3` is a path, not a number
    expect(at('true')).toBe('constant.language.boolean.ftl');
    expect(at('blocks.*.attn.{q,v}')).toBe('string.quoted.double.ftl');
    expect(at('\\"')).toBe('constant.character.escape.ftl');
    // comments: doc distinct from line and block
    expect(at('///')).toBe('punctuation.definition.comment.ftl');
    expect(scopesOf(tokens, ' Rank-r update; ')).toContain('comment.line.documentation.ftl');
    expect(at('`alpha`')).toBe('markup.inline.raw.ftl');
    expect(scopesOf(tokens, ' everything else stays fixed')).toContain('comment.line.double-slash.ftl');
    expect(scopesOf(tokens, '  comment over two lines ')).toContain('comment.block.ftl');
    // operators
    expect(at('@')).toBe('keyword.operator.matmul.ftl');
    expect(at('^T')).toBe('keyword.operator.transpose.ftl');
    expect(at('|>')).toBe('keyword.operator.pipeline.ftl');
    expect(at('=>')).toBe('storage.type.function.arrow.ftl');
    expect(at('..')).toBe('keyword.operator.range.ftl');
    expect(at('...')).toBe('keyword.operator.ellipsis.ftl');
    expect(at('->')).toBe('keyword.operator.arrow.ftl');
    expect(at('+=')).toBe('keyword.operator.assignment.compound.ftl');
    // calls and named arguments
    expect(at('modules')).toBe('entity.name.function.call.ftl');
    expect(at('steps')).toBe('variable.parameter.ftl');
    expect(at('lora_a', 1)).toBe('variable.other.property.ftl');
  });

  it('keeps an unterminated string to its own line', async () => {
    const { tokens } = await tokenize('let a = "oops\nlet b = 1');
    expect(innermost(scopesOf(tokens, 'let', 1))).toBe('keyword.other.let.ftl');
    expect(innermost(scopesOf(tokens, '1'))).toBe('constant.numeric.integer.ftl');
  });

  it('marks characters that are not ftl as illegal', async () => {
    const { tokens } = await tokenize('let a = $b');
    expect(innermost(scopesOf(tokens, '$'))).toBe('invalid.illegal.character.ftl');
  });

  // Cross-checked with the lexer: the characters the grammar marks illegal are exactly the ones
  // the lexer reports (FTL0103; error samples have some on purpose).
  const invalidChar = entryByName('invalid-character')!.code;
  const unterminated = new Set(
    ['unterminated-string', 'unterminated-comment'].map((n) => entryByName(n)!.code),
  );
  const sources = [...ftlFiles(), ...ftlFences('docs/language.md')];
  it.each(sources.map((s) => [s.name, s] as const))('tokenizes %s cleanly', async (name, src) => {
    const { tokens, stoppedEarly } = await tokenize(src.text);
    expect(stoppedEarly).toEqual([]);
    const { diagnostics } = parse(src.text, name);
    const illegal = tokens.filter((t: Token) => t.scopes.some((s) => s.startsWith('invalid.')));
    const lexBad = diagnostics.filter((d) => d.code === invalidChar);
    expect(illegal.map((t) => `${t.line}: ${t.text}`)).toEqual(
      lexBad.map((d) => `${d.span!.line}: ${src.text.slice(d.span!.start, d.span!.end)}`),
    );
    // the file ends outside any string (the grammar stayed in step with the text)
    const last = tokens.filter((t) => t.text.trim() !== '').at(-1);
    if (last && !diagnostics.some((d) => unterminated.has(d.code))) {
      expect(last.scopes.some((s) => s.startsWith('string.'))).toBe(false);
    }
  });
});
