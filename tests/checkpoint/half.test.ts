// f16/bf16 conversions checked against independently derived bit patterns: decoding builds the
// f32 bit pattern by hand (rebias exponent, shift mantissa) and reads it through a DataView;
// encoding is checked against a brute-force nearest-value search with ties to even.
import { describe, it, expect } from 'vitest';
import { f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from '../../runtime/checkpoint/half.ts';

const dv = new DataView(new ArrayBuffer(4));
const fromBits = (b: number) => (dv.setUint32(0, b >>> 0), dv.getFloat32(0));
const toBits = (x: number) => (dv.setFloat32(0, x), dv.getUint32(0));

/** binary16 -> f32 bits, derived by rebiasing the exponent (15 -> 127) and normalizing subnormals. */
function f16Reference(h: number): number {
  const s = (h >> 15) & 1,
    e = (h >> 10) & 31,
    m = h & 1023;
  if (e === 31) return fromBits((s << 31) | (0xff << 23) | (m << 13));
  if (e === 0) {
    if (m === 0) return fromBits(s << 31);
    let k = 0,
      mm = m; // normalize: shift until the implicit bit (1024) appears
    while (!(mm & 1024)) ((mm <<= 1), k++);
    return fromBits((s << 31) | ((1 - 15 - k + 127) << 23) | ((mm & 1023) << 13));
  }
  return fromBits((s << 31) | ((e - 15 + 127) << 23) | (m << 13));
}

describe('f16', () => {
  it('decodes all 65536 bit patterns like the hand-built f32 bits', () => {
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const a = f16ToF32(h),
        b = f16Reference(h);
      if (Number.isNaN(b) ? !Number.isNaN(a) : !Object.is(a, b)) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it('known values', () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToF16(NaN) & 0x3ff).not.toBe(0);
  });

  it('encodes to the nearest f16, ties to even (brute-force search over all finite f16)', () => {
    // Positive finite f16 values sorted by bit pattern are sorted by value; 0x7c00 (inf) stands in at 65536
    // because RNE overflows to inf from the midpoint 65520 upward.
    const vals: number[] = [];
    for (let h = 0; h <= 0x7c00; h++) vals.push(h === 0x7c00 ? 65536 : f16Reference(h));
    const nearest = (x: number): number => {
      let lo = 0,
        hi = vals.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (vals[mid]! <= x) lo = mid;
        else hi = mid;
      }
      const dl = x - vals[lo]!,
        dh = vals[hi]! - x;
      if (dl < dh) return lo;
      if (dh < dl) return hi;
      return lo % 2 === 0 ? lo : hi;
    };
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const xs: number[] = [
      65519.99,
      65520,
      65504,
      1e6,
      2 ** -25,
      2 ** -25 * 1.0001,
      2 ** -26,
      2 ** -14,
      2 ** -14 * (1 - 2 ** -12),
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
    ];
    for (let i = 0; i < 20000; i++) xs.push(fromBits(toBits(2 ** (rand() * 44 - 28) * (1 + rand())))); // f32-representable
    for (let i = 0; i < 2000; i++) xs.push(f16Reference(Math.floor(rand() * 0x7c00))); // exact f16 values
    const bad: number[] = [];
    for (const x0 of xs) {
      const x = fromBits(toBits(x0));
      const h = x >= 65536 ? 0x7c00 : nearest(x);
      if (f32ToF16(x) !== h || f32ToF16(-x) !== (h | 0x8000)) bad.push(x);
    }
    expect(bad).toEqual([]);
  });
});

/** bfloat16 value from its fields: (-1)^s (1 + m/128) 2^(e-127), subnormal (m/128) 2^-126. */
function bf16Reference(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 7) & 0xff,
    m = h & 0x7f;
  if (e === 0xff) return m ? NaN : s * Infinity;
  if (e === 0) return s * (m / 128) * 2 ** -126;
  return s * (1 + m / 128) * 2 ** (e - 127);
}

describe('bf16', () => {
  it('decodes all 65536 bit patterns like the field formula', () => {
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const a = bf16ToF32(h),
        b = bf16Reference(h);
      if (Number.isNaN(b) ? !Number.isNaN(a) : !Object.is(a, b)) bad.push(h);
    }
    expect(bad).toEqual([]);
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0x4049)).toBe(3.140625);
  });

  it('encodes to the nearer of the two neighbouring bf16 values, ties to even', () => {
    let seed = 7;
    const bad: number[] = [];
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20000; i++) {
      const bits = Math.floor(rand() * 0x7f7f0000); // positive finite, below the top binade's last value
      const x = fromBits(bits);
      const lo = bits >>> 16,
        hi = lo + 1;
      const dl = x - bf16Reference(lo),
        dh = bf16Reference(hi) - x;
      const want = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
      if (f32ToBf16(x) !== want || f32ToBf16(-x) !== (want | 0x8000)) bad.push(x);
    }
    expect(bad).toEqual([]);
    const tie = fromBits(0x3f808000); // exactly between 0x3f80 and 0x3f81: even is 0x3f80
    expect(f32ToBf16(tie)).toBe(0x3f80);
    expect(f32ToBf16(fromBits(0x3f818000))).toBe(0x3f82);
    expect(f32ToBf16(3.4e38)).toBe(0x7f80); // rounds past the largest bf16 to inf
    expect(Number.isNaN(bf16ToF32(f32ToBf16(NaN)))).toBe(true);
  });
});
