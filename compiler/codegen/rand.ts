// WGSL port of runtime/rng.ts, line for line with u32 arithmetic (multiplication wraps
// mod 2^32 in WGSL as Math.imul does). Uniforms match the CPU bit for bit; normals agree to
// a few ulp (log/sqrt/cos precision is implementation-defined).

export const RAND_HELPERS = /* wgsl */ `
fn ftl_mix32(x0: u32) -> u32 {
  var x = x0;
  x = x ^ (x >> 16u); x = x * 0x7feb352du;
  x = x ^ (x >> 15u); x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}
fn ftl_hash3(seed: u32, stream: u32, index: u32) -> u32 {
  let a = ftl_mix32(seed ^ 0x9e3779b9u);
  let b = ftl_mix32(a ^ stream);
  return ftl_mix32(b + index);
}
fn ftl_uniform(seed: u32, stream: u32, i: u32) -> f32 {
  return f32(ftl_hash3(seed, stream, i) >> 8u) * 5.9604644775390625e-8f;
}
fn ftl_normal(seed: u32, stream: u32, i: u32) -> f32 {
  let u1 = max(ftl_uniform(seed, stream, 2u * i), 5.9604644775390625e-8f);
  let u2 = ftl_uniform(seed, stream, 2u * i + 1u);
  return sqrt(-2.0f * log(u1)) * cos(6.283185307179586f * u2);
}
`;

/** WGSL expression of one `rand` element: `seed` an i32 expression, `flat` the i32 flat index. */
export function randExpr(dist: 'uniform' | 'normal', seed: string, stream: number, flat: string): string {
  const fn = dist === 'uniform' ? 'ftl_uniform' : 'ftl_normal';
  return `${fn}(bitcast<u32>(${seed}), ${stream >>> 0}u, u32(${flat}))`;
}
