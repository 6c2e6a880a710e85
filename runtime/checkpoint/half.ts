// Bit-level conversions between f32 and the 16-bit float formats found in checkpoints.
//   f16  (IEEE binary16): 1 sign, 5 exponent (bias 15), 10 mantissa bits.
//   bf16 (bfloat16):      the top 16 bits of an f32 (1 sign, 8 exponent, 7 mantissa).
// Narrowing rounds to nearest, ties to even; NaN stays NaN (quiet), overflow becomes ±inf.

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function f32Bits(x: number): number {
  f32buf[0] = x;
  return u32buf[0]!;
}

export function bitsToF32(bits: number): number {
  u32buf[0] = bits >>> 0;
  return f32buf[0]!;
}

/** binary16 bits -> f32 value (exact: every f16 is representable in f32). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24; // zero or subnormal: man * 2^-14 / 2^10
  if (exp === 0x1f) return man ? NaN : sign * Infinity;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** f32 value -> binary16 bits, round to nearest even. */
export function f32ToF16(x: number): number {
  const b = f32Bits(x);
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0); // inf or quiet NaN
  // Unbiased exponent; f16 normals cover e in [-14, 15].
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // Normal: keep 10 of 23 mantissa bits, round on the 13 dropped bits.
    let h = ((e + 15) << 10) | (man >>> 13);
    const rest = man & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h += 1; // carry may roll into exponent: correct (and to inf)
    return sign | h;
  }
  if (e < -25) return sign; // below half the smallest subnormal (2^-25): rounds to zero
  // Subnormal: the result is a count of 2^-24 units (the f16 subnormal step).
  man |= 0x800000; // implicit leading one: value = man * 2^(e-23), man a 24-bit integer
  // man * 2^(e-23) counted in units of 2^-24 is man * 2^(e+1): shift right by -(e+1), in [14, 24].
  const shift = -e - 1;
  const m = man >>> shift;
  const rem = man & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  let h = m;
  if (rem > half || (rem === half && m & 1)) h += 1;
  return sign | h;
}

/** bfloat16 bits -> f32 value. */
export const bf16ToF32 = (h: number): number => bitsToF32((h & 0xffff) << 16);

/** f32 value -> bfloat16 bits, round to nearest even. */
export function f32ToBf16(x: number): number {
  const b = f32Bits(x);
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return ((b >>> 16) | 0x40) & 0xffff; // quiet NaN
  const rounded = b + 0x7fff + ((b >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}
