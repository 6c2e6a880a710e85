// Batched matmul templates. Operands are read through the emitter, so a transpose
// (`permute`), a batch broadcast (`expand`) or a contiguous `reshape` of a buffer costs
// index arithmetic only, not a copy.
//
//   A: [...batch, M, K] @ B: [...batch, K, N] -> C: [...batch, M, N]     BT = numel(batch)
//
// - register: each invocation computes a TM x TN block of C in registers, looping over K
//   (no workgroup memory, no barriers: fastest on CPU adapters such as llvmpipe); when
//   both operands are plain buffers and K, N are multiples of 4, the vec4 variant
//   (matmul-vec4.ts);
// - tiled: a 64-invocation workgroup computes a 16 x 16 block of C, staging 16 x 16 tiles of
//   A and B through workgroup memory (each invocation 2 x 2 outputs): for real GPUs.
// Edges (any M, N, K): loads clamp their index into range (register) or load zero (tiled);
// stores are guarded.

import type { Node } from '../ir/node.ts';
import { numel, sameShape } from '../ir/node.ts';
import {
  KernelBuilder,
  kernelName,
  linearInvocations,
  type BuiltKernel,
  type CodegenOptions,
} from './builder.ts';
import { dimsOfFlat, flatOfDims } from './index-math.ts';
import { toStorage, type Emitter } from './emitter.ts';
import { vec4Layout, vec4Matmul } from './matmul-vec4.ts';
import { transposeOf } from './group-matmul.ts';

export interface MatmulShape {
  readonly batch: readonly number[];
  readonly M: number;
  readonly K: number;
  readonly N: number;
}

export function matmulShape(out: Node): MatmulShape {
  const [a, b] = out.src;
  const r = a.shape.length;
  return { batch: a.shape.slice(0, r - 2), M: a.shape[r - 2], K: a.shape[r - 1], N: b.shape[r - 1] };
}

/**
 * The kernel computing matmul `mm`. With `epilogue` (a materialized elementwise node whose
 * region reaches `mm`, not materialized, only through elementwise ops), the kernel writes
 * `epilogue` instead: its value is computed from the accumulators before the store. `also`:
 * further such nodes of C's shape it writes too (a multi-output group, group.ts: a weight's
 * whole optimizer update in its gradient's matmul), bound `out1`, `out2`, ... in order.
 */
export function matmulKernel(
  mm: Node,
  mat: (n: Node) => boolean,
  opts: CodegenOptions,
  epilogue?: Node,
  also: readonly Node[] = [],
): BuiltKernel {
  if (opts.matmul === 'tiled') return tiledMatmul(mm, mat, opts, epilogue, also);
  const layout = opts.matmul === 'register' ? vec4Layout(mm, mat) : undefined;
  const f32 = [epilogue ?? mm, ...also].every((n) => n.dtype === 'f32');
  if (layout && f32) return vec4Matmul(mm, layout, mat, opts, epilogue, also);
  return registerMatmul(mm, mat, opts, epilogue, also);
}

const TM = 4;
const TN = 4;
const WG = 64;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function registerMatmul(
  mm: Node,
  mat: (n: Node) => boolean,
  opts: CodegenOptions,
  epi?: Node,
  also: readonly Node[] = [],
): BuiltKernel {
  const [A, B] = mm.src;
  const out = epi ?? mm;
  const { batch, M, K, N } = matmulShape(mm);
  const mt = Math.ceil(M / TM);
  const nt = Math.ceil(N / TN);
  const b = new KernelBuilder(out, mat, false, also);
  const { groups, prologue } = linearInvocations(numel(batch) * mt * nt, WG);
  const e = b.root;
  e.line(`let bi = gi / ${mt * nt};`);
  e.line(`let rem = gi % ${mt * nt};`);
  // Neighbouring invocations take neighbouring columns (n0 + j * nt): CPU adapters run
  // invocations as SIMD lanes, and this makes B's loads and C's stores contiguous across them.
  e.line(`let m0 = (rem / ${nt}) * ${TM};`);
  e.line(`let n0 = rem % ${nt};`);
  const bd = dimsOfFlat('bi', batch).map((d) => e.bind(d, 'bd'));
  const ms = range(TM).map((i) => e.bind(`min(m0 + ${i}, ${M - 1})`, 'mi'));
  const ns = range(TN).map((j) => e.bind(`min(n0 + ${j * nt}, ${N - 1})`, 'nj'));
  for (const i of range(TM)) for (const j of range(TN)) e.line(`var c${i}_${j} = 0.0f;`);
  e.line(`for (var k = 0i; k < ${K}; k++) {`);
  const body = e.child();
  const av = ms.map((m) => body.value(A, { shape: A.shape, dims: [...bd, m, 'k'] }));
  const bv = ns.map((n) => body.value(B, { shape: B.shape, dims: [...bd, 'k', n] }));
  for (const i of range(TM))
    for (const j of range(TN)) body.line(`c${i}_${j} = c${i}_${j} + ${av[i]} * ${bv[j]};`);
  e.splice(body);
  e.line('}');
  storeBlock(
    e,
    mm,
    epi,
    bd,
    TM,
    TN,
    (i) => `m0 + ${i}`,
    (j) => `n0 + ${j * nt}`,
    also,
  );
  return b.finish(
    `${kernelName(out)}_reg${TM}x${TN}${multi(also)}`,
    `${prologue}\n${e.lines.join('\n')}`,
    [WG, 1, 1],
    groups,
    opts,
  );
}

/** Kernel-name suffix of a multi-output matmul. */
export const multi = (also: readonly Node[]) => (also.length ? `_x${also.length + 1}` : '');

/**
 * What the kernel stores: [binding name, node] per output, `also` first (bound out1, out2,
 * ... by KernelBuilder), then `epi` (or the plain product) as `out`.
 */
export function storeTargets(epi: Node | undefined, also: readonly Node[]): [string, Node | undefined][] {
  return [...also.map((n, i): [string, Node] => [`out${i + 1}`, n]), ['out', epi]];
}

/**
 * Guarded stores of the c{i}_{j} accumulators (rows row(i), columns col(j) of batch `bi`),
 * through the epilogue when there is one: `epi` (and each of `also`) evaluated with `mm`'s
 * value preset.
 */
export function storeBlock(
  e: Emitter,
  mm: Node,
  epi: Node | undefined,
  bd: readonly string[],
  tm: number,
  tn: number,
  row: (i: number) => string,
  col: (j: number) => string,
  also: readonly Node[] = [],
) {
  const { M, N } = matmulShape(mm);
  e.line(`let base = bi * ${M * N};`);
  for (const i of range(tm))
    for (const j of range(tn)) {
      e.line(`if (${row(i)} < ${M} && ${col(j)} < ${N}) {`);
      const s = e.child();
      for (const [name, t] of storeTargets(epi, also))
        s.line(
          `${name}[base + (${row(i)}) * ${N} + ${col(j)}] = ${epilogueValue(s, mm, t, [...bd, row(i), col(j)], `c${i}_${j}`)};`,
        );
      e.splice(s);
      e.line('}');
    }
}

/** The stored value at C[dims]: the accumulator, or the epilogue computed from it. */
export function epilogueValue(
  e: Emitter,
  mm: Node,
  epi: Node | undefined,
  dims: readonly string[],
  acc: string,
): string {
  if (!epi) return acc;
  const ix = { shape: mm.shape, dims };
  e.preset(mm, ix, acc);
  // A transposed product computed for a group (group-matmul.ts): the original at (.., j, i).
  const orig = transposeOf.get(mm);
  if (orig) {
    const r = dims.length;
    e.preset(orig, { shape: orig.shape, dims: [...dims.slice(0, r - 2), dims[r - 1], dims[r - 2]] }, acc);
  }
  // A chain may reshape C (fuse.ts, group-matmul.ts): same row-major flat index, which the
  // reshape passes on; so C's value is preset under its flat index too.
  const flat = e.bind(flatOfDims(dims, mm.shape), 'f');
  e.preset(mm, { shape: mm.shape, flat }, acc);
  if (!sameShape(epi.shape, mm.shape))
    return toStorage(e.value(epi, { shape: epi.shape, flat }, true), epi.dtype);
  return toStorage(e.value(epi, ix, true), epi.dtype);
}

const T = 16; // tile edge of C, A and B
const TW = 8; // invocations per tile edge; each computes (T/TW) x (T/TW) outputs
const R = T / TW;

function tiledMatmul(
  mm: Node,
  mat: (n: Node) => boolean,
  opts: CodegenOptions,
  epi?: Node,
  also: readonly Node[] = [],
): BuiltKernel {
  const [A, B] = mm.src;
  const out = epi ?? mm;
  const { batch, M, K, N } = matmulShape(mm);
  const mt = Math.ceil(M / T);
  const nt = Math.ceil(N / T);
  const groups = numel(batch) * mt * nt;
  const b = new KernelBuilder(out, mat, false, also);
  const e = b.root;
  // Surplus workgroups of a 2-D grid recompute the last block and store nothing, so every
  // invocation reaches every barrier.
  e.line(`let w = min(wid, ${groups - 1});`);
  e.line(`let bi = w / ${mt * nt};`);
  e.line(`let rem = w % ${mt * nt};`);
  e.line(`let m0 = (rem / ${nt}) * ${T};`);
  e.line(`let n0 = (rem % ${nt}) * ${T};`);
  e.line(`let tx = i32(li % ${TW}u);`);
  e.line(`let ty = i32(li / ${TW}u);`);
  const bd = dimsOfFlat('bi', batch).map((d) => e.bind(d, 'bd'));
  for (const i of range(R)) for (const j of range(R)) e.line(`var c${i}_${j} = 0.0f;`);
  e.line(`for (var k0 = 0i; k0 < ${K}; k0 += ${T}) {`);
  const loop = e.child();
  // Stage the tiles: T*T elements each, WG = TW*TW invocations, T*T/WG elements per invocation.
  for (const l of range((T * T) / (TW * TW))) {
    loop.line('{');
    const s = loop.child();
    s.line(`let e = i32(li) + ${l * TW * TW};`);
    s.line(`let r = e / ${T};`);
    s.line(`let c = e % ${T};`);
    const a = s.value(A, {
      shape: A.shape,
      dims: [...bd, s.bind(`min(m0 + r, ${M - 1})`), s.bind(`min(k0 + c, ${K - 1})`)],
    });
    s.line(`As[e] = select(0.0f, ${a}, m0 + r < ${M} && k0 + c < ${K});`);
    const bb = s.value(B, {
      shape: B.shape,
      dims: [...bd, s.bind(`min(k0 + r, ${K - 1})`), s.bind(`min(n0 + c, ${N - 1})`)],
    });
    s.line(`Bs[e] = select(0.0f, ${bb}, k0 + r < ${K} && n0 + c < ${N});`);
    loop.splice(s);
    loop.line('}');
  }
  loop.line('workgroupBarrier();');
  loop.line(`for (var kk = 0i; kk < ${T}; kk++) {`);
  for (const i of range(R)) loop.line(`  let a${i} = As[(ty + ${i * TW}) * ${T} + kk];`);
  for (const j of range(R)) loop.line(`  let b${j} = Bs[kk * ${T} + tx + ${j * TW}];`);
  for (const i of range(R)) for (const j of range(R)) loop.line(`  c${i}_${j} = c${i}_${j} + a${i} * b${j};`);
  loop.line('}');
  loop.line('workgroupBarrier();');
  e.splice(loop);
  e.line('}');
  e.line(`if (wid < ${groups}) {`);
  const st = e.child();
  storeBlock(
    st,
    mm,
    epi,
    bd,
    R,
    R,
    (i) => `m0 + ty + ${i * TW}`,
    (j) => `n0 + tx + ${j * TW}`,
    also,
  );
  e.splice(st);
  e.line('}');
  const decl = `var<workgroup> As: array<f32, ${T * T}>;\nvar<workgroup> Bs: array<f32, ${T * T}>;`;
  return b.finish(
    `${kernelName(out)}_tiled${T}${multi(also)}`,
    e.lines.join('\n'),
    [TW * TW, 1, 1],
    groups,
    opts,
    decl,
  );
}
