// The vectorized register-blocked matmul, for the common case where both operands are
// plain row-major buffers (seen at most through `reshape`) with K and N multiples of 4:
// each invocation computes a 4 x 4 block of C as four vec4 rows, loading A and B as vec4.
// About 2x the scalar template on llvmpipe (bench/matmul.ts).
//
//   A: [...batch, M, K] @ B: [...batch, K, N] -> C   (K % 4 == 0, N % 4 == 0, any M)

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import {
  KernelBuilder,
  kernelName,
  linearInvocations,
  type BuiltKernel,
  type CodegenOptions,
} from './builder.ts';
import { epilogueValue, matmulShape } from './matmul-kernel.ts';
import { dimsOfFlat } from './index-math.ts';

const WG = 64;

/** The materialized buffer holding `n` in row-major order (through reshapes), if any. */
function plainBuffer(n: Node, mat: (n: Node) => boolean): Node | undefined {
  while (!mat(n) && n.op === 'reshape') n = n.src[0];
  return mat(n) && n.dtype === 'f32' ? n : undefined;
}

export function canVec4(out: Node, mat: (n: Node) => boolean): boolean {
  const { K, N } = matmulShape(out);
  return K % 4 === 0 && N % 4 === 0 && !!plainBuffer(out.src[0], mat) && !!plainBuffer(out.src[1], mat);
}

/** With `epilogue` (f32), the kernel writes it instead of `mm` (see matmul-kernel.ts). */
export function vec4Matmul(
  mm: Node,
  mat: (n: Node) => boolean,
  opts: CodegenOptions,
  epi?: Node,
): BuiltKernel {
  const out = epi ?? mm;
  const { batch, M, K, N } = matmulShape(mm);
  const [k4, n4] = [K / 4, N / 4];
  const mt = Math.ceil(M / 4);
  const b = new KernelBuilder(out, mat, true);
  const A = b.bufferOfVec4(plainBuffer(mm.src[0], mat)!);
  const B = b.bufferOfVec4(plainBuffer(mm.src[1], mat)!);
  const { groups, prologue } = linearInvocations(numel(batch) * mt * n4, WG);
  const rows = [0, 1, 2, 3];
  const bd = dimsOfFlat('bi', batch);
  // Row i of the block: one vec4 store, through the epilogue component by component.
  const store = (i: number): string => {
    if (!epi) return `    out[obase + (m0 + ${i}) * ${n4}] = c${i};`;
    const s = b.root.child().child();
    const v = 'xyzw'
      .split('')
      .map((ch, cc) => epilogueValue(s, mm, epi, [...bd, `m0 + ${i}`, `nv * 4 + ${cc}`], `c${i}.${ch}`));
    s.line(`out[obase + (m0 + ${i}) * ${n4}] = vec4<f32>(${v.join(', ')});`);
    return s.lines.join('\n');
  };
  const main = `${prologue}
  let bi = gi / ${mt * n4};
  let rem = gi % ${mt * n4};
  let m0 = (rem / ${n4}) * 4;
  let nv = rem % ${n4};
  let abase = bi * ${M * k4};
  let bbase = bi * ${K * n4} + nv;
${rows.map((i) => `  let ar${i} = abase + min(m0 + ${i}, ${M - 1}) * ${k4};`).join('\n')}
${rows.map((i) => `  var c${i} = vec4<f32>();`).join('\n')}
  for (var k = 0i; k < ${k4}; k++) {
${rows.map((kk) => `    let b${kk} = ${B}[bbase + (k * 4 + ${kk}) * ${n4}];`).join('\n')}
${rows.map((i) => `    let a${i} = ${A}[ar${i} + k];\n    c${i} = c${i} + a${i}.x * b0 + a${i}.y * b1 + a${i}.z * b2 + a${i}.w * b3;`).join('\n')}
  }
  let obase = bi * ${M * n4} + nv;
${rows.map((i) => `  if (m0 + ${i} < ${M}) {\n${store(i)}\n  }`).join('\n')}`;
  return b.finish(`${kernelName(out)}_vec4`, main, [WG, 1, 1], groups, opts);
}
