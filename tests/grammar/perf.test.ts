// Scale: a generated 10,000-line file parses and checks in linear-ish time (a loose bound
// that catches accidental quadratic behaviour, not a benchmark), and pathological nesting
// is a diagnostic, not a crash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/check/index.ts';

const sample = readFileSync(join(import.meta.dirname, '../samples/lang-module-model/input.ftl'), 'utf8');

function generate(lines: number): string {
  const body = sample.replace(/^import.*$/gm, '');
  let text = 'import std.nn.embedding\nimport std.nn.layernorm\n';
  for (let i = 0; text.split('\n').length < lines; i++)
    text += body.replace(/\b(linear|gpt2|block)\b/g, `$1_${i}`);
  return text;
}

describe('scale', () => {
  it('checks a 10,000-line file cleanly, with CPU time growing about linearly', () => {
    const cpu = (text: string): number => {
      const t = process.cpuUsage().user;
      const { diagnostics } = checkSource(text, 'big.ftl');
      expect(diagnostics).toEqual([]);
      return (process.cpuUsage().user - t) / 1000;
    };
    cpu(generate(300)); // warm up the JIT
    const small = cpu(generate(1000));
    const big = cpu(generate(10_000));
    expect(big).toBeLessThan(15_000);
    expect(big / Math.max(small, 1)).toBeLessThan(30); // 10x the lines, far from 100x the time
  }, 60_000);

  it('reports nesting too deep to parse or check as FTL0110', () => {
    const deep = 'fn f(x) = ' + '('.repeat(3000) + 'x' + ')'.repeat(3000) + '\n';
    expect(checkSource(deep, 'd.ftl').diagnostics.map((d) => d.code)).toEqual(['FTL0110']);
    const long = 'fn f(x) = ' + 'x + '.repeat(30_000) + 'x\n';
    expect(checkSource(long, 'l.ftl').diagnostics.map((d) => d.code)).toEqual(['FTL0110']);
  });
});
