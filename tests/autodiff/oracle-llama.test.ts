// Independent oracle for a Llama block: RMSNorm, rotary position embedding (rotate-half,
// tables built in-graph from iota/cos/sin on our side, in JavaScript for tfjs), grouped-
// query attention (4 query heads share 2 key/value heads; ours by reshape+expand, tfjs by
// tile), SwiGLU MLP, cross-entropy. Loss and every parameter gradient must agree with
// TensorFlow.js within 1e-4 relative.

import { describe, it } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { verify } from '../../compiler/ir/verify.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import { randArray, seeded } from '../cpu/util.ts';
import { expectRelClose, loadTf, type TF } from './tfjs.ts';

// B batch, T time, C channels, H query heads, KV key/value heads (G = H/KV per group),
// D head size, F SwiGLU width, V vocabulary; N = B*T rows.
const [B, T, C, H, KV, F, V] = [2, 6, 16, 4, 2, 24, 13];
const [D, G, N] = [C / H, H / KV, B * T];
const BASE = 10000;

const shapes: Record<string, number[]> = {
  wte: [V, C],
  rms1: [C],
  wq: [C, H * D],
  wk: [C, KV * D],
  wv: [C, KV * D],
  wo: [H * D, C],
  rms2: [C],
  w1: [C, F],
  w3: [C, F],
  w2: [F, C],
  rmsf: [C],
  wout: [C, V],
};
const names = Object.keys(shapes);

// ---- ours, from IR primitives ----
const cst = (v: number, shape: readonly number[]) => mk('const', [], { value: v }, { shape });
const ex = (x: Node, shape: readonly number[]) => mk('expand', [x], { shape });
const rs = (x: Node, shape: readonly number[]) => mk('reshape', [x], { shape });
const op2 = (op: 'add' | 'sub' | 'mul' | 'div', a: Node, b: Node) => mk(op, [a, b], null);
const mm = (a: Node, b: Node) => mk('matmul', [a, b], null);
const row = (v: Node, n: number) => ex(rs(v, [1, v.shape[0]]), [n, v.shape[0]]);

function rmsnorm(x: Node, g: Node): Node {
  // x (N, C): x / sqrt(mean(x²) + eps) · g
  const ms = op2('div', mk('reduce_sum', [op2('mul', x, x)], { axes: [1] }), cst(C, [N, 1]));
  const inv = mk('recip', [mk('sqrt', [op2('add', ms, cst(1e-6, [N, 1]))], null)], null);
  return op2('mul', op2('mul', x, ex(inv, [N, C])), row(g, N));
}

/** cos/sin tables (T, D): angle[t, j] = t · BASE^(-2 (j mod D/2) / D), built from iota. */
function ropeTables(): [Node, Node] {
  const half = mk('cast', [mk('iota', [], { axis: 1 }, { shape: [T, D / 2] })], { to: 'f32' });
  const j = mk('concat', [half, half], { axis: 1 }); // (T, D): 0..D/2-1 twice
  const invFreq = mk('exp', [op2('mul', j, cst((-2 * Math.log(BASE)) / D, [T, D]))], null);
  const angle = op2(
    'mul',
    mk('cast', [mk('iota', [], { axis: 0 }, { shape: [T, D] })], { to: 'f32' }),
    invFreq,
  );
  return [mk('cos', [angle], null), mk('sin', [angle], null)];
}

/** x (B, heads, T, D) -> x·cos + rotate_half(x)·sin, rotate_half([x1, x2]) = [-x2, x1]. */
function rope(x: Node, [cos, sin]: [Node, Node]): Node {
  const s = x.shape;
  const at = (t: Node) => ex(rs(t, [1, 1, T, D]), s);
  const x1 = mk('slice', [x], { starts: [0, 0, 0, 0], ends: [s[0], s[1], T, D / 2] });
  const x2 = mk('slice', [x], { starts: [0, 0, 0, D / 2], ends: [s[0], s[1], T, D] });
  const rot = mk('concat', [mk('neg', [x2], null), x1], { axis: 3 });
  return op2('add', op2('mul', x, at(cos)), op2('mul', rot, at(sin)));
}

function attention(x: Node, p: Record<string, Node>): Node {
  const tables = ropeTables();
  const heads = (w: Node, n: number) => mk('permute', [rs(mm(x, w), [B, T, n, D])], { perm: [0, 2, 1, 3] });
  // (B, KV, T, D) -> (B, H, T, D): query head h reads key/value head floor(h / G).
  const repeat = (kv: Node) => rs(ex(rs(kv, [B, KV, 1, T, D]), [B, KV, G, T, D]), [B, H, T, D]);
  const q = rope(heads(p.wq, H), tables);
  const k = repeat(rope(heads(p.wk, KV), tables));
  const v = repeat(heads(p.wv, KV));
  const S = [B, H, T, T];
  const s = op2('mul', mm(q, mk('permute', [k], { perm: [0, 1, 3, 2] })), cst(1 / Math.sqrt(D), S));
  const future = mk(
    'lt',
    [mk('iota', [], { axis: 2 }, { shape: S }), mk('iota', [], { axis: 3 }, { shape: S })],
    null,
  );
  const masked = mk('where', [future, cst(-1e9, S), s], null);
  const e = mk('exp', [op2('sub', masked, ex(mk('reduce_max', [masked], { axes: [3] }), S))], null);
  const prob = op2('div', e, ex(mk('reduce_sum', [e], { axes: [3] }), S));
  return mm(rs(mk('permute', [mm(prob, v)], { perm: [0, 2, 1, 3] }), [N, H * D]), p.wo);
}

function oursLoss(p: Record<string, Node>, tokens: Node, targets: Node): Node {
  const x0 = rs(mk('gather', [p.wte, tokens], null), [N, C]);
  const x1 = op2('add', x0, attention(rmsnorm(x0, p.rms1), p));
  const h = rmsnorm(x1, p.rms2);
  const a = mm(h, p.w1);
  const silu = op2('div', a, op2('add', cst(1, a.shape), mk('exp', [mk('neg', [a], null)], null))); // a·σ(a)
  const x2 = op2('add', x1, mm(op2('mul', silu, mm(h, p.w3)), p.w2));
  const logits = mm(rmsnorm(x2, p.rmsf), p.wout); // (N, V)
  const z = op2('sub', logits, ex(mk('reduce_max', [logits], { axes: [1] }), [N, V]));
  const logp = op2(
    'sub',
    z,
    ex(mk('log', [mk('reduce_sum', [mk('exp', [z], null)], { axes: [1] })], null), [N, V]),
  );
  const onehot = mk(
    'cast',
    [mk('eq', [mk('iota', [], { axis: 1 }, { shape: [N, V] }), ex(rs(targets, [N, 1]), [N, V])], null)],
    { to: 'f32' },
  );
  const total = mk('reduce_sum', [op2('mul', logp, onehot)], { axes: [0, 1] });
  return rs(op2('div', mk('neg', [total], null), cst(N, [1, 1])), []);
}

// ---- theirs, with tfjs ops (functional forms: the CommonJS bundle has no chained ops) ----
function tfLoss(tf: TF, p: Record<string, TF>, tokens: TF, targets: TF): TF {
  const { add, sub, mul, matMul: mm, reshape: rsh, transpose } = tf;
  const rms = (x: TF, g: TF) => mul(mul(x, tf.rsqrt(add(tf.mean(tf.square(x), -1, true), 1e-6))), g);
  const angle = Array.from(
    { length: T * D },
    (_, i) => Math.floor(i / D) * BASE ** ((-2 * ((i % D) % (D / 2))) / D),
  );
  const cos = tf.tensor(angle.map(Math.cos), [T, D]);
  const sin = tf.tensor(angle.map(Math.sin), [T, D]);
  const rope = (x: TF) => {
    const [x1, x2] = tf.split(x, 2, 3);
    return add(mul(x, cos), mul(tf.concat([tf.neg(x2), x1], 3), sin));
  };
  const heads = (x: TF, w: TF, n: number) => transpose(rsh(mm(x, w), [B, T, n, D]), [0, 2, 1, 3]);
  const repeat = (kv: TF) => rsh(tf.tile(rsh(kv, [B * KV, 1, T, D]), [1, G, 1, 1]), [B, H, T, D]); // rank-4: tfjs tile grad
  const x0 = rsh(tf.gather(p.wte, tokens), [N, C]);
  const h1 = rms(x0, p.rms1);
  const q = rope(heads(h1, p.wq, H));
  const k = repeat(rope(heads(h1, p.wk, KV)));
  const v = repeat(heads(h1, p.wv, KV));
  const allowed = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
  const scores = add(mul(mm(q, k, false, true), 1 / Math.sqrt(D)), mul(sub(1, allowed), -1e9));
  const o = rsh(transpose(mm(tf.softmax(scores), v), [0, 2, 1, 3]), [N, H * D]);
  const x1 = add(x0, mm(o, p.wo));
  const h2 = rms(x1, p.rms2);
  const a = mm(h2, p.w1);
  const x2 = add(x1, mm(mul(mul(a, tf.sigmoid(a)), mm(h2, p.w3)), p.w2));
  const logp = tf.logSoftmax(mm(rms(x2, p.rmsf), p.wout));
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
  'Square',
  'Rsqrt',
  'BatchMatMul',
  'Reshape',
  'Transpose',
  'GatherV2',
  'Softmax',
  'LogSoftmax',
  'Sigmoid',
  'Tile',
  'SplitV',
  'Concat',
  'Slice',
  'Exp',
  'Log',
  'Max',
  'BroadcastTo',
  'Cast',
  'Identity',
];

describe('Llama block (RMSNorm, RoPE, GQA, SwiGLU) against TensorFlow.js', () => {
  it('loss and every parameter gradient agree (1e-4 relative)', async () => {
    const rng = seeded(77);
    const values: Record<string, Float32Array> = {};
    for (const n of names) {
      const gain = n.startsWith('rms');
      values[n] = Float32Array.from(
        randArray(
          rng,
          shapes[n].reduce((a, b) => a * b, 1),
          gain ? 0.8 : -0.4,
          gain ? 1.2 : 0.4,
        ),
      );
    }
    const tokens = Int32Array.from({ length: N }, () => Math.floor(rng() * V));
    const targets = Int32Array.from({ length: N }, () => Math.floor(rng() * V));

    const p = Object.fromEntries(
      names.map((n) => [n, mk('param', [], { name: `llama_${n}`, role: 'param' }, { shape: shapes[n] })]),
    );
    const tokIn = mk('input', [], { name: 'llama_tokens' }, { shape: [B, T], dtype: 'i32' });
    const tgtIn = mk('input', [], { name: 'llama_targets' }, { shape: [N], dtype: 'i32' });
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
    const params = new Map<string, TypedArray>(names.map((n) => [`llama_${n}`, values[n]]));
    const inputs = new Map<string, TypedArray>([
      ['llama_tokens', tokens],
      ['llama_targets', targets],
    ]);
    const ours = evaluate(graph, { params, inputs }).outputs;

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
