// Vectorized register-blocked matmuls: each invocation computes a block of C, loading
// operands as vec4 along a contiguous axis. Operands must be views of buffers (reshape /
// permute chains, view.ts) whose last axis runs contiguously in aligned fours: plain
// buffers, attention's split or merged heads; or whose transpose is such a view (the
// backward of a linear layer: dX = dY W^T, dW = X^T dY; attention's Q K^T).
//
//   NN: A [.., M, K]  B  [.., K, N]   K % 4 == 0, N % 4 == 0   TM rows x TV vec4 columns of C
//   NT: A [.., M, K]  Bt [.., N, K]   K % 4 == 0               TM x TN dot products per k-step
//   TN: At [.., K, M] B  [.., K, N]   M % 4 == 0, N % 4 == 0   outer products of TMV x TV vec4s
//
// Block sizes: on llvmpipe each invocation is a SIMD lane and every storage load is a
// per-lane gather, so loads, not FMAs, bound the speed: bigger blocks (more FMAs per loaded
// float) win even though the accumulators spill. Measured on llvmpipe (scratch A/B of
// 512x512x128, 512x128x128, 128x512x128): NN 16 x 8 ~1.5x the 4 x 4 block, NT 8 x 16 ~1.4x,
// TN 16 x 16 ~2-3x. Blocks shrink to the matrix (a 3-row C gets a 4-row block, not 16).
//
// Lanes: neighbouring invocations take neighbouring vec4 columns of C (B's loads and C's
// stores contiguous across lanes; A's rows shared). The j-th column of a block is
// `nv + j * nq` (nq = column blocks), so a block's columns are strided, its rows contiguous
// (NN) or strided (NT, TN rows `mv + i * mq`). Edges: loads clamp their row/column into range,
// stores are guarded.

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import {
  KernelBuilder,
  kernelName,
  linearInvocations,
  type BuiltKernel,
  type CodegenOptions,
} from './builder.ts';
import { epilogueValue, matmulShape, multi, storeBlock, storeTargets } from './matmul-kernel.ts';
import { add, dimsOfFlat } from './index-math.ts';
import { axisTerm, vec4View, viewOf, type View } from './view.ts';
import type { Emitter } from './emitter.ts';

const WG = 64;

export interface Vec4Layout {
  readonly kind: 'NN' | 'NT' | 'TN';
  /** A (or A^T) and B (or B^T) as vec4 views along their last axis (view.ts). */
  readonly a: View;
  readonly b: View;
}

/** `n` as a view loadable as vec4 along its last axis, if it is one. */
function vecView(n: Node, mat: (n: Node) => boolean): View | undefined {
  const v = viewOf(n, mat);
  return v && vec4View(v);
}

/** `n`'s transpose (last two axes swapped) as a view loadable as vec4 along its last axis. */
function transposedView(n: Node, mat: (n: Node) => boolean): View | undefined {
  const v = viewOf(n, mat);
  if (!v) return undefined;
  const axes = [...v.axes];
  const r = axes.length;
  [axes[r - 2], axes[r - 1]] = [axes[r - 1], axes[r - 2]];
  return vec4View({ buf: v.buf, axes });
}

export function vec4Layout(mm: Node, mat: (n: Node) => boolean): Vec4Layout | undefined {
  const [A, B] = mm.src;
  const a = vecView(A, mat);
  const b = vecView(B, mat);
  if (a && b) return { kind: 'NN', a, b };
  const bt = transposedView(B, mat);
  if (a && bt) return { kind: 'NT', a, b: bt };
  const at = transposedView(A, mat);
  if (at && b) return { kind: 'TN', a: at, b };
  return undefined;
}

/** Rows (or vec4s) per block: `target` halved while the matrix has no more than half of it. */
export function blockSize(target: number, extent: number): number {
  let t = target;
  while (t > 1 && t / 2 >= extent) t /= 2;
  return t;
}

/** At least this many invocations (4 workgroups): fewer leave llvmpipe's threads idle. */
const MIN_INVOCATIONS = 256;

/** Blocks halved (the larger side first) until the grid has MIN_INVOCATIONS or blocks are 1 x 1. */
function spread(tr: number, tc: number, rows: number, cols: number, batch: number): [number, number] {
  const count = () => batch * Math.ceil(rows / tr) * Math.ceil(cols / tc);
  while (count() < MIN_INVOCATIONS && (tr > 1 || tc > 1)) {
    if (tr >= tc) tr /= 2;
    else tc /= 2;
  }
  return [tr, tc];
}

/**
 * Block shape per layout (see the header): NN rows x vec4 columns, NT rows x columns, TN vec4 x
 * vec4. Bigger blocks run faster on llvmpipe only up to a point, while its shader compile time
 * (paid at a plan's first step, per kernel) grows with the unrolled block. Measured on the
 * bench's tiny GPT with Mesa's shader cache off: {NN 16x2, NT 8x16, TN 4x4} 188 ms/step and
 * 39 s to the end of the first step; these {8x2, 8x8, 4x2} 174 ms/step (same within noise)
 * and 17 s; {8x1, 4x8, 2x2} 235 ms/step and 11 s.
 */
export const BLOCKS = { NN: [8, 2], NT: [8, 8], TN: [4, 2] } as const;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** With `epi` (f32), the kernel writes it instead of `mm` (see matmul-kernel.ts). */
export function vec4Matmul(
  mm: Node,
  lay: Vec4Layout,
  mat: (n: Node) => boolean,
  opts: CodegenOptions,
  epi?: Node,
  also: readonly Node[] = [],
): BuiltKernel {
  const out = epi ?? mm;
  const { batch, M, K, N } = matmulShape(mm);
  // NT stores scalars (any N); NN and TN store vec4 rows.
  const b = new KernelBuilder(out, mat, lay.kind !== 'NT', also);
  const A = b.bufferOfVec4(lay.a.buf);
  const B = b.bufferOfVec4(lay.b.buf);
  const bd = dimsOfFlat('bi', batch);
  // Buffer index terms of a view: its batch axes, its row axis, its (vec4) column axis.
  const r = batch.length + 2;
  const batchOf = (v: View) => bd.reduce((t, d, i) => add(t, axisTerm(v, i, d)), '0');
  const rowOf = (v: View, d: string) => axisTerm(v, r - 2, d);
  const colOf = (v: View, d: string) => axisTerm(v, r - 1, d);
  const [va, vb] = [lay.a, lay.b];
  const e = b.root;
  let count: number;
  let tag: string;
  if (lay.kind === 'NT') {
    const k4 = K / 4;
    const [TM, TN] = spread(blockSize(BLOCKS.NT[0], M), blockSize(BLOCKS.NT[1], N), M, N, numel(batch));
    const [mt, nt] = [Math.ceil(M / TM), Math.ceil(N / TN)];
    count = numel(batch) * mt * nt;
    tag = `${TM}x${TN}`;
    e.line(`let bi = gi / ${mt * nt};`);
    e.line(`let rem = gi % ${mt * nt};`);
    e.line(`let m0 = rem / ${nt};`);
    e.line(`let n0 = rem % ${nt};`);
    for (const i of range(TM))
      e.line(`let ar${i} = ${add(batchOf(va), rowOf(va, `min(m0 + ${i * mt}, ${M - 1})`))};`);
    for (const j of range(TN))
      e.line(`let br${j} = ${add(batchOf(vb), rowOf(vb, `min(n0 + ${j * nt}, ${N - 1})`))};`);
    for (const i of range(TM)) for (const j of range(TN)) e.line(`var c${i}_${j} = 0.0f;`);
    e.line(`for (var k = 0i; k < ${k4}; k++) {`);
    e.line(`  let ka = ${colOf(va, 'k')};`);
    e.line(`  let kb = ${colOf(vb, 'k')};`);
    for (const i of range(TM)) e.line(`  let a${i} = ${A}[ar${i} + ka];`);
    for (const j of range(TN)) e.line(`  let b${j} = ${B}[br${j} + kb];`);
    for (const i of range(TM))
      for (const j of range(TN)) e.line(`  c${i}_${j} = c${i}_${j} + dot(a${i}, b${j});`);
    e.line('}');
    if (!epi || unrollStores(mm, [epi, ...also], mat, TM * TN))
      storeBlock(
        e,
        mm,
        epi,
        bd,
        TM,
        TN,
        (i) => `m0 + ${i * mt}`,
        (j) => `n0 + ${j * nt}`,
        also,
      );
    else
      storeLoop(
        e,
        mm,
        epi,
        bd,
        'f32',
        TM,
        TN,
        (i) => `m0 + ${i} * ${mt}`,
        (j) => `n0 + ${j} * ${nt}`,
        N,
        also,
      );
  } else {
    const [n4, m4] = [N / 4, M / 4];
    const rowUnits = lay.kind === 'NN' ? M : m4;
    const [TR, TV] = spread(
      lay.kind === 'NN' ? blockSize(BLOCKS.NN[0], M) : blockSize(BLOCKS.TN[0], m4),
      blockSize(BLOCKS[lay.kind][1], n4),
      rowUnits,
      n4,
      numel(batch),
    );
    const nq = Math.ceil(n4 / TV);
    // Row blocks: NN takes TR contiguous rows; TN takes TR vec4s of rows, strided by mq.
    const mt = lay.kind === 'NN' ? Math.ceil(M / TR) : Math.ceil(m4 / TR);
    count = numel(batch) * mt * nq;
    e.line(`let bi = gi / ${mt * nq};`);
    e.line(`let rem = gi % ${mt * nq};`);
    e.line(`let nv = rem % ${nq};`);
    for (const j of range(TV)) e.line(`let cv${j} = min(nv + ${j * nq}, ${n4 - 1});`);
    e.line(`let bb = ${batchOf(vb)};`);
    for (const j of range(TV)) e.line(`let bc${j} = ${colOf(vb, `cv${j}`)};`);
    // rows[r]: the C row of accumulator r, as an expression; valid[r]: whether it exists.
    const rows: string[] = [];
    if (lay.kind === 'NN') {
      tag = `${TR}x${4 * TV}`;
      const k4 = K / 4;
      e.line(`let m0 = (rem / ${nq}) * ${TR};`);
      for (const i of range(TR)) {
        e.line(`let ar${i} = ${add(batchOf(va), rowOf(va, `min(m0 + ${i}, ${M - 1})`))};`);
        rows.push(`m0 + ${i}`);
      }
      for (const i of range(TR)) for (const j of range(TV)) e.line(`var c${i}_${j} = vec4<f32>();`);
      e.line(`for (var k = 0i; k < ${k4}; k++) {`);
      e.line(`  let ka = ${colOf(va, 'k')};`);
      for (const kk of range(4)) e.line(`  let kb${kk} = bb + ${rowOf(vb, `k * 4 + ${kk}`)};`);
      for (const j of range(TV))
        for (const kk of range(4)) e.line(`  let b${j}_${kk} = ${B}[kb${kk} + bc${j}];`);
      for (const i of range(TR)) {
        e.line(`  let a${i} = ${A}[ar${i} + ka];`);
        for (const j of range(TV))
          e.line(
            `  c${i}_${j} = c${i}_${j} + a${i}.x * b${j}_0 + a${i}.y * b${j}_1 + a${i}.z * b${j}_2 + a${i}.w * b${j}_3;`,
          );
      }
    } else {
      // TN: A^T's row k holds A[4v..4v+3, k] in vec4 v; accumulator row (i, r) is C row 4 (mv + i mq) + r.
      tag = `${4 * TR}x${4 * TV}`;
      e.line(`let mv = rem / ${nq};`);
      for (const i of range(TR)) e.line(`let av${i} = min(mv + ${i * mt}, ${m4 - 1});`);
      for (const i of range(TR)) for (const r of range(4)) rows.push(`(mv + ${i * mt}) * 4 + ${r}`);
      e.line(`let ab = ${batchOf(va)};`);
      for (const i of range(TR)) e.line(`let ac${i} = ${colOf(va, `av${i}`)};`);
      for (const a of range(rows.length)) for (const j of range(TV)) e.line(`var c${a}_${j} = vec4<f32>();`);
      e.line(`for (var k = 0i; k < ${K}; k++) {`);
      e.line(`  let ka = ab + ${rowOf(va, 'k')};`);
      e.line(`  let kb = bb + ${rowOf(vb, 'k')};`);
      for (const i of range(TR)) e.line(`  let a${i} = ${A}[ka + ac${i}];`);
      for (const j of range(TV)) e.line(`  let b${j} = ${B}[kb + bc${j}];`);
      for (const i of range(TR))
        for (const r of range(4))
          for (const j of range(TV))
            e.line(`  c${i * 4 + r}_${j} = c${i * 4 + r}_${j} + a${i}.${'xyzw'[r]} * b${j};`);
    }
    e.line('}');
    e.line(`let obase = bi * ${M * n4};`);
    if (!epi || unrollStores(mm, [epi, ...also], mat, rows.length * TV * 4))
      rows.forEach((row, a) =>
        range(TV).forEach((j) => {
          e.line(`if (${row} < ${M} && nv + ${j * nq} < ${n4}) {`);
          const s = e.child();
          for (const [name, t] of storeTargets(epi, also)) {
            const v = range(4).map((cc) =>
              epilogueValue(
                s,
                mm,
                t,
                [...bd, row, `(nv + ${j * nq}) * 4 + ${cc}`],
                `c${a}_${j}.${'xyzw'[cc]}`,
              ),
            );
            s.line(`${name}[obase + (${row}) * ${n4} + nv + ${j * nq}] = vec4<f32>(${v.join(', ')});`);
          }
          e.splice(s);
          e.line('}');
        }),
      );
    else {
      const row =
        lay.kind === 'NN'
          ? (i: string) => `m0 + ${i}`
          : (i: string) => `(mv + (${i} / 4) * ${mt}) * 4 + ${i} % 4`;
      storeLoop(e, mm, epi, bd, 'vec4', rows.length, TV, row, (j) => `nv + ${j} * ${nq}`, n4, also);
    }
  }
  const { groups, prologue } = linearInvocations(count, WG);
  const body = `${prologue}\n${e.lines.join('\n')}`;
  const name = `${kernelName(out)}_vec4${lay.kind.toLowerCase()}.${tag}${multi(also)}`;
  return b.finish(name, body, [WG, 1, 1], groups, opts);
}

/** Inlined epilogue nodes (below `outs`, down to buffers and `mm`) per stored element, at most. */
const UNROLL_BUDGET = 1024;

/**
 * Whether to unroll the epilogue per accumulator: llvmpipe runs the store loop's dynamically
 * indexed accumulator array slowly (a bias add through the loop cost a 512 x 128 projection
 * ~1.3x), but an unrolled large epilogue compiles slowly; unroll while elements x inlined
 * epilogue nodes stays within UNROLL_BUDGET.
 */
function unrollStores(mm: Node, outs: readonly Node[], mat: (n: Node) => boolean, elements: number): boolean {
  const seen = new Set<Node>();
  const stack = outs.flatMap((o) => o.src);
  while (stack.length) {
    const n = stack.pop()!;
    if (n === mm || seen.has(n) || mat(n)) continue;
    seen.add(n);
    stack.push(...n.src);
  }
  return elements * (seen.size + outs.length) <= UNROLL_BUDGET;
}

/**
 * Stores through an epilogue as a loop over the block, so the epilogue's WGSL is emitted
 * once rather than once per accumulator (a 16 x 16 block with tanh unrolled took seconds to
 * compile on llvmpipe). Accumulators `c{i}_{j}` (i < tr, j < tc) are copied into an array;
 * `row(i)`/`col(j)` give C's row and column (a vec4 column for 'vec4') from loop variables.
 */
function storeLoop(
  e: Emitter,
  mm: Node,
  epi: Node,
  bd: readonly string[],
  kind: 'f32' | 'vec4',
  tr: number,
  tc: number,
  row: (i: string) => string,
  col: (j: string) => string,
  cols: number,
  also: readonly Node[] = [],
) {
  const { M, N } = matmulShape(mm);
  const ty = kind === 'f32' ? 'f32' : 'vec4<f32>';
  const accs = range(tr).flatMap((i) => range(tc).map((j) => `c${i}_${j}`));
  e.line(`var acc = array<${ty}, ${accs.length}>(${accs.join(', ')});`);
  e.line(`for (var ai = 0i; ai < ${tr}; ai++) {`);
  e.line(`  for (var aj = 0i; aj < ${tc}; aj++) {`);
  const s = e.child().child();
  const [r, c] = [s.bind(row('ai'), 'row'), s.bind(col('aj'), 'col')];
  s.line(`if (${r} < ${M} && ${c} < ${cols}) {`);
  const t = s.child();
  const v = `acc[ai * ${tc} + aj]`;
  for (const [name, target] of storeTargets(epi, also))
    if (kind === 'f32')
      t.line(
        `${name}[bi * ${M * N} + ${r} * ${N} + ${c}] = ${epilogueValue(t, mm, target, [...bd, r, c], v)};`,
      );
    else {
      const x = range(4).map((cc) =>
        epilogueValue(t, mm, target, [...bd, r, `${c} * 4 + ${cc}`], `${v}.${'xyzw'[cc]}`),
      );
      t.line(`${name}[bi * ${(M * N) / 4} + ${r} * ${cols} + ${c}] = vec4<f32>(${x.join(', ')});`);
    }
  s.splice(t);
  s.line('}');
  e.splice(s);
  e.line('  }');
  e.line('}');
}
