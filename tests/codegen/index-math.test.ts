// Index arithmetic strings: constant folding, and operator precedence when callers pass
// unparenthesized sums (evaluated here by JS, whose precedence matches WGSL's for + - * / %).

import { describe, expect, it } from 'vitest';
import { add, addC, dimsOfFlat, flatOfDims, mulC } from '../../compiler/codegen/index-math.ts';

// Integer division: generated divisions are always `(x / <literal>)`, so `| 0` truncates them.
const evalIdx = (e: string, env: Record<string, number>) =>
  Function(
    ...Object.keys(env),
    `return ${e.replace(/\/ (\d+)/g, '/ $1 | 0')};`,
  )(...Object.values(env)) as number;

describe('index math', () => {
  it('folds constants', () => {
    expect(add('0', 'x')).toBe('x');
    expect(mulC('x', 1)).toBe('x');
    expect(mulC('x', 0)).toBe('0');
    expect(add('3', '4')).toBe('7');
    expect(addC('5', -2)).toBe('3');
    expect(flatOfDims(['0', 'j'], [1, 7])).toBe('j');
  });
  it('parenthesizes compound operands', () => {
    expect(evalIdx(mulC('m0 + 1', 3), { m0: 2 })).toBe(9);
    expect(evalIdx(add(mulC('a + 1', 5), 'b'), { a: 1, b: 2 })).toBe(12);
    expect(evalIdx(addC('x * 2', -1), { x: 4 })).toBe(7);
  });
  it('flat <-> dims round-trips for every element', () => {
    const shape = [3, 1, 5, 2];
    for (let f = 0; f < 30; f++) {
      const dims = dimsOfFlat('f', shape).map((d) => evalIdx(d, { f }));
      expect(dims).toEqual([Math.floor(f / 10), 0, Math.floor(f / 2) % 5, f % 2]);
      expect(evalIdx(flatOfDims(dims.map(String), shape), {})).toBe(f);
    }
  });
});
