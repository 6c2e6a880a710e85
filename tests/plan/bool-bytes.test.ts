// tensorBytes (compiler/plan/bytes.ts) for bit-packed bools: ceil(n/32) 4-byte words, at
// least one; i32 0/1 when not packed; the 2-argument estimate assumes a packed bool temp.

import { describe, expect, it } from 'vitest';
import { tensorBytes } from '../../compiler/plan/bytes.ts';

describe('tensorBytes of bools', () => {
  for (const shape of [[], [1], [31], [32], [33], [1000], [4097], [7, 33], [8, 16, 16, 32]])
    it(`[${shape}]`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      let words = 0;
      for (let i = 0; i < n; i += 32) words++; // one word per started group of 32 elements
      expect(tensorBytes('bool', shape, true)).toBe(4 * Math.max(1, words));
      expect(tensorBytes('bool', shape)).toBe(tensorBytes('bool', shape, true));
      expect(tensorBytes('bool', shape, false)).toBe(4 * Math.max(1, n));
      expect(tensorBytes('f32', shape)).toBe(4 * Math.max(1, n));
    });

  it('only bools pack', () => {
    expect(() => tensorBytes('f32', [64], true)).toThrow(/only bool/);
  });
});
