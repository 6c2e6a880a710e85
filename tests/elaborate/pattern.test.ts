// Path patterns: `*` one segment, `**` any number, `{a,b}` alternatives, and the hint.
import { describe, expect, it } from 'vitest';
import { compilePattern, expandBraces, matchAll, suggestFor } from '../../compiler/elaborate/pattern.ts';

const paths = [
  'wte',
  'blocks.0.attn.q',
  'blocks.0.attn.v',
  'blocks.0.attn.q.weight',
  'blocks.0.attn.q.bias',
  'blocks.1.attn.q',
  'blocks.1.attn.v',
  'blocks.1.mlp.fc.weight',
  'blocks.1.mlp.fc.bias',
  'bias',
];

describe('patterns', () => {
  it('expands braces, also nested and with dots', () => {
    expect(expandBraces('a.{q,v}')).toEqual(['a.q', 'a.v']);
    expect(expandBraces('{attn.q,mlp.{fc,proj}}.weight')).toEqual([
      'attn.q.weight',
      'mlp.fc.weight',
      'mlp.proj.weight',
    ]);
  });
  it('* is one segment, ** is any number including none', () => {
    expect(matchAll('blocks.*.attn.{q,v}', paths)).toEqual([
      'blocks.0.attn.q',
      'blocks.0.attn.v',
      'blocks.1.attn.q',
      'blocks.1.attn.v',
    ]);
    expect(matchAll('**.bias', paths)).toEqual(['blocks.0.attn.q.bias', 'blocks.1.mlp.fc.bias', 'bias']);
    expect(matchAll('blocks.*.mlp.**', paths)).toEqual(['blocks.1.mlp.fc.weight', 'blocks.1.mlp.fc.bias']);
    expect(compilePattern('all')('anything.at.all')).toBe(true);
    expect(compilePattern('blocks.*')('blocks.0.attn')).toBe(false);
    expect(compilePattern('lora_*')('lora_a')).toBe(true);
  });
  it('suggests the closest path and a looser pattern', () => {
    expect(suggestFor('blocks.*.atn.q', paths)).toBe('did you mean `blocks.*.attn.q`?');
    expect(suggestFor('blocks.*.attn.k', paths)).toContain('paths match `blocks.*.attn.*`');
  });
});
