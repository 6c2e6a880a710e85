// Independent oracle: a GPT-2-style block (token + position embedding, layernorm, 2-head
// causal self-attention, tanh MLP, final layernorm, output projection, cross-entropy) is
// built once from our IR primitives and once with TensorFlow.js's own ops (moments,
// softmax, logSoftmax, additive mask, oneHot). Loss and every parameter gradient must
// agree within 1e-4 relative (per tensor, against its largest element).

import { describe, it } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { verify } from '../../compiler/ir/verify.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import { randArray, seeded } from '../cpu/util.ts';
import { expectRelClose, loadTf, type TF } from './tfjs.ts';

// B batch, T time, C channels, H heads, D head size, F MLP width, V vocabulary; N = B*T rows.
const [B, T, C, H, F, V] = [2, 5, 8, 2, 16, 11];
const D = C / H;
const N = B * T;

const shapes: Record<string, number[]> = {
  wte: [V, C],
  wpe: [T, C],
  ln1g: [C],
  ln1b: [C],
  wq: [C, C],
  wk: [C, C],
  wv: [C, C],
  wo: [C, C],
  ln2g: [C],
  ln2b: [C],
  w1: [C, F],
  b1: [F],
  w2: [F, C],
  lnfg: [C],
  lnfb: [C],
  wout: [C, V],
};
const names = Object.keys(shapes);

// ---- ours, from IR primitives ----
const cst = (v: number, shape: readonly number[]) => mk('const', [], { value: v }, { shape });
const ex = (x: Node, shape: readonly number[]) => mk('expand', [x], { shape });
const rs = (x: Node, shape: readonly number[]) => mk('reshape', [x], { shape });
const op2 = (op: 'add' | 'sub' | 'mul' | 'div', a: Node, b: Node) => mk(op, [a, b], null);
const mm = (a: Node, b: Node) => mk('matmul', [a, b], null);
const row = (v: Node, n: number) => ex(rs(v, [1, v.shape[0]]), [n, v.shape[0]]); // [K] -> [n, K]

function layernorm(x: Node, g: Node, b: Node): Node {
  // x (N, C), statistics over C
  const mean = op2('div', mk('reduce_sum', [x], { axes: [1] }), cst(C, [N, 1]));
  const xc = op2('sub', x, ex(mean, [N, C]));
  const v = op2('div', mk('reduce_sum', [op2('mul', xc, xc)], { axes: [1] }), cst(C, [N, 1]));
  const inv = mk('recip', [mk('sqrt', [op2('add', v, cst(1e-5, [N, 1]))], null)], null);
  return op2('add', op2('mul', op2('mul', xc, ex(inv, [N, C])), row(g, N)), row(b, N));
}

function attention(x: Node, p: Record<string, Node>): Node {
  const heads = (w: Node, perm: number[]) => mk('permute', [rs(mm(x, w), [B, T, H, D])], { perm });
  const q = heads(p.wq, [0, 2, 1, 3]); // (B, H, T, D)
  const kT = heads(p.wk, [0, 2, 3, 1]); // (B, H, D, T)
  const v = heads(p.wv, [0, 2, 1, 3]); // (B, H, T, D)
  const S = [B, H, T, T];
  const s = op2('mul', mm(q, kT), cst(1 / Math.sqrt(D), S));
  const future = mk(
    'lt',
    [mk('iota', [], { axis: 2 }, { shape: S }), mk('iota', [], { axis: 3 }, { shape: S })],
    null,
  );
  const masked = mk('where', [future, cst(-1e9, S), s], null);
  const e = mk('exp', [op2('sub', masked, ex(mk('reduce_max', [masked], { axes: [3] }), S))], null);
  const prob = op2('div', e, ex(mk('reduce_sum', [e], { axes: [3] }), S));
  const o = mk('permute', [mm(prob, v)], { perm: [0, 2, 1, 3] }); // (B, T, H, D)
  return mm(rs(o, [N, C]), p.wo);
}

function oursLoss(p: Record<string, Node>, tokens: Node, targets: Node): Node {
  const emb = rs(mk('gather', [p.wte, tokens], null), [N, C]);
  const pos = rs(ex(rs(p.wpe, [1, T, C]), [B, T, C]), [N, C]);
  const x0 = op2('add', emb, pos);
  const x1 = op2('add', x0, attention(layernorm(x0, p.ln1g, p.ln1b), p));
  const hid = mk('tanh', [op2('add', mm(layernorm(x1, p.ln2g, p.ln2b), p.w1), row(p.b1, N))], null);
  const x2 = op2('add', x1, mm(hid, p.w2));
  const logits = mm(layernorm(x2, p.lnfg, p.lnfb), p.wout); // (N, V)
  const z = op2('sub', logits, ex(mk('reduce_max', [logits], { axes: [1] }), [N, V]));
  const logp = op2(
    'sub',
    z,
    ex(mk('log', [mk('reduce_sum', [mk('exp', [z], null)], { axes: [1] })], null), [N, V]),
  );
  const tgt = ex(rs(targets, [N, 1]), [N, V]);
  const onehot = mk('cast', [mk('eq', [mk('iota', [], { axis: 1 }, { shape: [N, V] }), tgt], null)], {
    to: 'f32',
  });
  const total = mk('reduce_sum', [op2('mul', logp, onehot)], { axes: [0, 1] });
  return rs(op2('div', mk('neg', [total], null), cst(N, [1, 1])), []);
}

// ---- theirs, with tfjs ops ----
function tfLoss(tf: TF, p: Record<string, TF>, tokens: TF, targets: TF): TF {
  // Functional tfjs ops only: the CommonJS bundle does not install the chained-op methods.
  const { add, sub, mul, matMul: mm, reshape, transpose } = tf;
  const ln = (x: TF, g: TF, b: TF) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return add(mul(mul(sub(x, mean), tf.rsqrt(add(variance, 1e-5))), g), b);
  };
  const x0 = reshape(add(tf.gather(p.wte, tokens), p.wpe), [N, C]);
  const split = (x: TF, w: TF) => transpose(reshape(mm(x, w), [B, T, H, D]), [0, 2, 1, 3]);
  const h = ln(x0, p.ln1g, p.ln1b);
  const [q, k, v] = [split(h, p.wq), split(h, p.wk), split(h, p.wv)];
  const allowed = tf.linalg.bandPart(tf.ones([T, T]), -1, 0); // lower triangle (incl. diagonal)
  const scores = add(mul(mm(q, k, false, true), 1 / Math.sqrt(D)), mul(sub(1, allowed), -1e9));
  const o = reshape(transpose(mm(tf.softmax(scores), v), [0, 2, 1, 3]), [N, C]);
  const x1 = add(x0, mm(o, p.wo));
  const x2 = add(x1, mm(tf.tanh(add(mm(ln(x1, p.ln2g, p.ln2b), p.w1), p.b1)), p.w2));
  const logp = tf.logSoftmax(mm(ln(x2, p.lnfg, p.lnfb), p.wout));
  return tf.neg(tf.mean(tf.sum(mul(logp, tf.oneHot(targets, V)), 1)));
}

const KERNELS = [
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Neg',
  'Mean',
  'Sum',
  'SquaredDifference',
  'Rsqrt',
  'BatchMatMul',
  'Reshape',
  'Transpose',
  'GatherV2',
  'Softmax',
  'LogSoftmax',
  'Tanh',
  'Exp',
  'Log',
  'Max',
  'BroadcastTo',
  'Cast',
  'Square',
  'Pow',
  'ExpandDims',
  'Select',
  'Identity',
];

describe('GPT-2-style block against TensorFlow.js', () => {
  it('loss and every parameter gradient agree (1e-4 relative)', async () => {
    const rng = seeded(2024);
    const values: Record<string, Float32Array> = {};
    for (const n of names) {
      const isGain = n.endsWith('g') && n.startsWith('ln');
      values[n] = Float32Array.from(
        randArray(
          rng,
          shapes[n].reduce((a, b) => a * b, 1),
          isGain ? 0.8 : -0.4,
          isGain ? 1.2 : 0.4,
        ),
      );
    }
    const tokens = Int32Array.from({ length: N }, () => Math.floor(rng() * V));
    const targets = Int32Array.from({ length: N }, () => Math.floor(rng() * V));

    // Ours: autodiff -> simplify -> verify, run in f32 by the CPU executor.
    const p = Object.fromEntries(
      names.map((n) => [n, mk('param', [], { name: `gpt_${n}`, role: 'param' }, { shape: shapes[n] })]),
    );
    const tokIn = mk('input', [], { name: 'gpt_tokens' }, { shape: [B, T], dtype: 'i32' });
    const tgtIn = mk('input', [], { name: 'gpt_targets' }, { shape: [N], dtype: 'i32' });
    const loss = oursLoss(p, tokIn, tgtIn);
    const g = grad(
      loss,
      names.map((n) => p[n]),
    );
    const graph = simplify({
      outputs: { loss, ...Object.fromEntries(names.map((n) => [`d_${n}`, g.get(p[n])!])) },
      updates: [],
    });
    verify(graph, 'simplify');
    const params = new Map<string, TypedArray>(names.map((n) => [`gpt_${n}`, values[n]]));
    const inputs = new Map<string, TypedArray>([
      ['gpt_tokens', tokens],
      ['gpt_targets', targets],
    ]);
    const ours = evaluate(graph, { params, inputs }).outputs;

    // Theirs.
    const tf = await loadTf(KERNELS);
    const tfParams = names.map((n) => tf.tensor(values[n], shapes[n]));
    const tok = tf.tensor(tokens, [B, T], 'int32');
    const tgt = tf.tensor(targets, [N], 'int32');
    const f = (...ps: TF[]) => tfLoss(tf, Object.fromEntries(names.map((n, i) => [n, ps[i]])), tok, tgt);
    const { value, grads } = tf.valueAndGrads(f)(tfParams);

    expectRelClose('loss', ours.loss, await value.data(), 1e-5);
    for (const [i, n] of names.entries())
      expectRelClose(`d_${n}`, ours[`d_${n}`], await grads[i].data(), 1e-4);
  });
});
