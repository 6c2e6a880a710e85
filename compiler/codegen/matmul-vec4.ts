// Vectorized register-blocked matmuls: each invocation computes a 4 x 4 block of C, loading
// operands as vec4 along a contiguous axis. Operands must be plain row-major buffers, seen
// at most through `reshape`, or such a buffer transposed by a `permute` of its last two
// axes (the backward of a linear layer: dX = dY W^T, dW = X^T dY). About 2x the scalar
// template on llvmpipe (bench/matmul.ts).
//
//   NN: A [.., M, K]  B  [.., K, N]   K % 4 == 0, N % 4 == 0   vec4 rows of C
//   NT: A [.., M, K]  Bt [.., N, K]   K % 4 == 0               16 dot products per k-step
//   TN: At [.., K, M] B  [.., K, N]   M % 4 == 0, N % 4 == 0   outer products, vec4 rows of C

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import {
  KernelBuilder,
  kernelName,
  linearInvocations,
  type BuiltKernel,
  type CodegenOptions,
} from './builder.ts';
import { epilogueValue, matmulShape, storeBlock } from './matmul-kernel.ts';
import { dimsOfFlat } from './index-math.ts';

const WG = 64;
const R4 = [0, 1, 2, 3];

export interface Vec4Layout {
  readonly kind: 'NN' | 'NT' | 'TN';
  /** The buffers holding A (or A^T) and B (or B^T) row-major. */
  readonly a: Node;
  readonly b: Node;
}

/** The materialized buffer holding `n` in row-major order (through reshapes), if any. */
function plainBuffer(n: Node, mat: (n: Node) => boolean): Node | undefined {
  while (!mat(n) && n.op === 'reshape') n = n.src[0];
  return mat(n) && n.dtype === 'f32' ? n : undefined;
}

/** `n` = a plain buffer transposed in its last two axes: that buffer. */
function transposedBuffer(n: Node, mat: (n: Node) => boolean): Node | undefined {
  if (mat(n) || n.op !== 'permute') return undefined;
  const perm = (n.arg as { perm: readonly number[] }).perm;
  const r = perm.length;
  const swap = perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 2 ? r - 1 : r - 2)));
  return swap ? plainBuffer(n.src[0], mat) : undefined;
}

export function vec4Layout(mm: Node, mat: (n: Node) => boolean): Vec4Layout | undefined {
  const { M, K, N } = matmulShape(mm);
  const [a, b] = [plainBuffer(mm.src[0], mat), plainBuffer(mm.src[1], mat)];
  const bt = b ? undefined : transposedBuffer(mm.src[1], mat);
  const at = a ? undefined : transposedBuffer(mm.src[0], mat);
  if (a && b && K % 4 === 0 && N % 4 === 0) return { kind: 'NN', a, b };
  if (a && bt && K % 4 === 0) return { kind: 'NT', a, b: bt };
  if (at && b && M % 4 === 0 && N % 4 === 0) return { kind: 'TN', a: at, b };
  return undefined;
}

/** With `epi` (f32), the kernel writes it instead of `mm` (see matmul-kernel.ts). */
export function vec4Matmul(
  mm: Node,
  lay: Vec4Layout,
  mat: (n: Node) => boolean,
  opts: CodegenOptions,
  epi?: Node,
): BuiltKernel {
  const out = epi ?? mm;
  const { batch, M, K, N } = matmulShape(mm);
  const [k4, n4, nt] = [K / 4, N / 4, Math.ceil(N / 4)];
  const mt = Math.ceil(M / 4);
  // NT stores scalars (any N); NN and TN store vec4 rows.
  const b = new KernelBuilder(out, mat, lay.kind !== 'NT');
  const A = b.bufferOfVec4(lay.a);
  const B = b.bufferOfVec4(lay.b);
  const { groups, prologue } = linearInvocations(numel(batch) * mt * nt, WG);
  const bd = dimsOfFlat('bi', batch);
  const e = b.root;
  e.line(`let bi = gi / ${mt * nt};`);
  e.line(`let rem = gi % ${mt * nt};`);
  e.line(`let m0 = (rem / ${nt}) * 4;`);
  if (lay.kind === 'NT') {
    e.line(`let n0 = (rem % ${nt}) * 4;`);
    for (const i of R4) e.line(`let ar${i} = bi * ${M * k4} + min(m0 + ${i}, ${M - 1}) * ${k4};`);
    for (const j of R4) e.line(`let br${j} = bi * ${N * k4} + min(n0 + ${j}, ${N - 1}) * ${k4};`);
    for (const i of R4) for (const j of R4) e.line(`var c${i}_${j} = 0.0f;`);
    e.line(`for (var k = 0i; k < ${k4}; k++) {`);
    for (const i of R4) e.line(`  let a${i} = ${A}[ar${i} + k];`);
    for (const j of R4) e.line(`  let b${j} = ${B}[br${j} + k];`);
    for (const i of R4) for (const j of R4) e.line(`  c${i}_${j} = c${i}_${j} + dot(a${i}, b${j});`);
    e.line('}');
    storeBlock(
      e,
      mm,
      epi,
      bd,
      4,
      4,
      (i) => `m0 + ${i}`,
      (j) => `n0 + ${j}`,
    );
  } else {
    e.line(`let nv = rem % ${n4};`);
    for (const i of R4) e.line(`var c${i} = vec4<f32>();`);
    if (lay.kind === 'NN') {
      e.line(`let bbase = bi * ${K * n4} + nv;`);
      for (const i of R4) e.line(`let ar${i} = bi * ${M * k4} + min(m0 + ${i}, ${M - 1}) * ${k4};`);
      e.line(`for (var k = 0i; k < ${k4}; k++) {`);
      for (const kk of R4) e.line(`  let b${kk} = ${B}[bbase + (k * 4 + ${kk}) * ${n4}];`);
      for (const i of R4) {
        e.line(`  let a${i} = ${A}[ar${i} + k];`);
        e.line(`  c${i} = c${i} + a${i}.x * b0 + a${i}.y * b1 + a${i}.z * b2 + a${i}.w * b3;`);
      }
    } else {
      // TN: A^T's row k holds A[m0..m0+3, k] in one vec4 (M % 4 == 0: rows never clamp).
      e.line(`let abase = bi * ${K * (M / 4)} + m0 / 4;`);
      e.line(`let bbase = bi * ${K * n4} + nv;`);
      e.line(`for (var k = 0i; k < ${K}; k++) {`);
      e.line(`  let a = ${A}[abase + k * ${M / 4}];`);
      e.line(`  let b = ${B}[bbase + k * ${n4}];`);
      for (const i of R4) e.line(`  c${i} = c${i} + a.${'xyzw'[i]} * b;`);
    }
    e.line('}');
    e.line(`let obase = bi * ${M * n4} + nv;`);
    for (const i of R4) {
      e.line(`if (m0 + ${i} < ${M}) {`);
      const s = e.child();
      const at = `out[obase + (m0 + ${i}) * ${n4}]`;
      if (!epi) s.line(`${at} = c${i};`);
      else {
        const v = R4.map((cc) =>
          epilogueValue(s, mm, epi, [...bd, `m0 + ${i}`, `nv * 4 + ${cc}`], `c${i}.${'xyzw'[cc]}`),
        );
        s.line(`${at} = vec4<f32>(${v.join(', ')});`);
      }
      e.splice(s);
      e.line('}');
    }
  }
  const body = `${prologue}\n${e.lines.join('\n')}`;
  return b.finish(`${kernelName(out)}_vec4${lay.kind.toLowerCase()}`, body, [WG, 1, 1], groups, opts);
}
