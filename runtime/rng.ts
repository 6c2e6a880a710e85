// The counter-based random number spec shared by the CPU executor and the WGSL kernels.
//
// A `rand` node is a pure function of (seed, stream, index): regenerating a perturbation
// (MeZO) or a dropout mask (its backward) costs a hash, not a stored tensor. Everything
// below uses only 32-bit unsigned integer operations so WGSL reproduces the hash and the
// uniform bit-exactly. WGSL port, line for line (all values `u32`, `*` wraps mod 2^32):
//
//   fn mix32(x0: u32) -> u32 {            // "lowbias32" (Chris Wellons' hash-prospector):
//     var x = x0;                         // a bijection on u32 with good avalanche.
//     x = x ^ (x >> 16u); x = x * 0x7feb352du;
//     x = x ^ (x >> 15u); x = x * 0x846ca68bu;
//     x = x ^ (x >> 16u);
//     return x;
//   }
//   fn hash3(seed: u32, stream: u32, index: u32) -> u32 {
//     let a = mix32(seed ^ 0x9e3779b9u);  // golden-ratio constant: seed 0 does not fix 0
//     let b = mix32(a ^ stream);
//     return mix32(b + index);            // + wraps; distinct indices -> distinct hashes
//   }
//   fn uniform(seed, stream, i) -> f32 { return f32(hash3(seed, stream, i) >> 8u) * 5.9604644775390625e-8; } // 2^-24
//   fn normal(seed, stream, i) -> f32 {
//     let u1 = max(uniform(seed, stream, 2u * i), 5.9604644775390625e-8); // clamp away from 0
//     let u2 = uniform(seed, stream, 2u * i + 1u);
//     return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);         // Box–Muller, cos branch
//   }
//
// The `i32` seed of a `rand` node is reinterpreted as u32 (bitcast: -1 -> 0xffffffff).
// `index` is the row-major flat index of the output element; `2u * i` wraps for i >= 2^31.
// Uniforms are multiples of 2^-24 in [0, 1) and exact in f32, so CPU and GPU agree bit for
// bit; normals go through log/sqrt/cos, whose WGSL precision is implementation-defined, so
// they agree to a few ulp (the CPU computes them in f64 and rounds once).

/** lowbias32: a bijective 32-bit integer hash. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** The u32 hash of (seed, stream, index); each argument is taken mod 2^32. */
export function hash3(seed: number, stream: number, index: number): number {
  const a = mix32((seed ^ 0x9e3779b9) >>> 0);
  const b = mix32((a ^ stream) >>> 0);
  return mix32((b + index) >>> 0);
}

const TWO_M24 = 2 ** -24;

/** U[0, 1) with 24 random bits: exactly representable in f32. */
export function uniform(seed: number, stream: number, index: number): number {
  return (hash3(seed, stream, index) >>> 8) * TWO_M24;
}

/** N(0, 1) by Box–Muller from the uniforms at indices 2i and 2i+1. */
export function normal(seed: number, stream: number, index: number): number {
  const u1 = Math.max(uniform(seed, stream, (2 * index) >>> 0), TWO_M24);
  const u2 = uniform(seed, stream, (2 * index + 1) >>> 0);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Fill `out` (length = numel) with the `rand` node's values for an i32 `seed`. */
export function fillRandom(
  out: { length: number; [i: number]: number },
  seed: number,
  stream: number,
  dist: 'uniform' | 'normal',
): void {
  const s = seed >>> 0;
  const f = dist === 'uniform' ? uniform : normal;
  for (let i = 0; i < out.length; i++) out[i] = f(s, stream >>> 0, i);
}
