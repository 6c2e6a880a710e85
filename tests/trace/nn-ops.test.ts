// Composite builtins against direct per-row computations in plain JS.
import { describe, expect, it } from 'vitest';
import * as nn from '../../compiler/trace/nn-ops.ts';
import { input } from '../../compiler/trace/tensor.ts';
import { evalWith, expectClose, leaf, rng } from './helpers.ts';

const rows = (d: Float32Array, n: number) =>
  Array.from({ length: d.length / n }, (_, i) => Array.from(d.subarray(i * n, (i + 1) * n)));

describe('softmax family', () => {
  it('softmax / log_softmax / logsumexp match the textbook formulas, also for large logits', () => {
    const r = rng(11);
    const x = leaf([3, 5], r, 40);
    const [s, ls, lse] = evalWith([nn.softmax(x.node), nn.logSoftmax(x.node), nn.logsumexp(x.node)], [x]);
    const want = rows(x.data, 5).map((row) => {
      const m = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
      return {
        sm: row.map((v) => Math.exp(v - m) / z),
        ls: row.map((v) => v - m - Math.log(z)),
        lse: m + Math.log(z),
      };
    });
    expectClose(
      s,
      want.flatMap((w) => w.sm),
    );
    expectClose(
      ls,
      want.flatMap((w) => w.ls),
      1e-5,
    );
    expectClose(
      lse,
      want.map((w) => w.lse),
    );
  });
});

describe('norms and activations', () => {
  it('layernorm and rmsnorm over the last axis', () => {
    const r = rng(12);
    const x = leaf([2, 4], r);
    const w = leaf([4], r);
    const b = leaf([4], r);
    const [ln, rms] = evalWith(
      [nn.layernorm(x.node, w.node, b.node, 1e-5), nn.rmsnorm(x.node, w.node, 1e-6)],
      [x, w, b],
    );
    const wantLn = rows(x.data, 4).flatMap((row) => {
      const mu = row.reduce((a, v) => a + v, 0) / 4;
      const v = row.reduce((a, q) => a + (q - mu) ** 2, 0) / 4;
      return row.map((q, i) => ((q - mu) / Math.sqrt(v + 1e-5)) * w.data[i] + b.data[i]);
    });
    const wantRms = rows(x.data, 4).flatMap((row) => {
      const ms = row.reduce((a, q) => a + q * q, 0) / 4;
      return row.map((q, i) => (q / Math.sqrt(ms + 1e-6)) * w.data[i]);
    });
    expectClose(ln, wantLn, 1e-4);
    expectClose(rms, wantRms, 1e-5);
  });
  it('gelu (tanh approx), silu, relu, sigmoid, log_sigmoid (stable at +-100)', () => {
    const r = rng(13);
    const x = leaf([7], r, 4);
    x.data[5] = 100;
    x.data[6] = -100;
    const [g, s, re, sg, lsg] = evalWith(
      [nn.gelu(x.node), nn.silu(x.node), nn.relu(x.node), nn.sigmoid(x.node), nn.logSigmoid(x.node)],
      [x],
    );
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const xs = Array.from(x.data);
    expectClose(
      g,
      xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))),
      1e-5,
    );
    expectClose(
      s,
      xs.map((v) => v * sig(v)),
      1e-5,
    );
    expectClose(
      re,
      xs.map((v) => Math.max(v, 0)),
    );
    expectClose(sg, xs.map(sig), 1e-6);
    expectClose(
      lsg,
      xs.map((v) => (v > 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v)))),
      1e-5,
    );
    expect(Number.isFinite(lsg[6])).toBe(true);
  });
});

describe('losses', () => {
  it('cross_entropy with mask and ignore_index is the mean NLL over kept positions', () => {
    const r = rng(14);
    const logits = leaf([2, 3, 4], r, 3);
    const targets = input('targets', [2, 3], 'i32');
    const mask = input('mask', [2, 3], 'f32');
    const tg = Int32Array.from([0, 3, -100, 2, 1, 1]);
    const mk = Float32Array.from([1, 1, 1, 0, 1, 1]);
    const inputs = new Map<string, Int32Array | Float32Array>([
      ['targets', tg],
      ['mask', mk],
    ]);
    const [ce, plain] = evalWith(
      [
        nn.crossEntropy(logits.node, targets, { mask, ignoreIndex: -100 }),
        nn.crossEntropy(logits.node, targets, { ignoreIndex: -100 }),
      ],
      [logits],
      inputs,
    );
    const nll = rows(logits.data, 4).map((row, i) => {
      const m = Math.max(...row);
      const z = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
      return tg[i] === -100 ? 0 : z - row[tg[i]];
    });
    const keep = [1, 1, 0, 0, 1, 1];
    expectClose(ce, [nll.reduce((a, v, i) => a + v * keep[i], 0) / 4], 1e-5);
    const keep2 = [1, 1, 0, 1, 1, 1];
    expectClose(plain, [nll.reduce((a, v, i) => a + v * keep2[i], 0) / 5], 1e-5);
  });
  it('seq_logprob sums shifted token log-probs under the mask', () => {
    const r = rng(15);
    const logits = leaf([1, 3, 4], r, 2);
    const tokens = input('tokens', [1, 3], 'i32');
    const mask = input('mask', [1, 3], 'f32');
    const [lp] = evalWith(
      [nn.seqLogprob(logits.node, tokens, mask)],
      [logits],
      new Map<string, Int32Array | Float32Array>([
        ['tokens', Int32Array.from([2, 1, 3])],
        ['mask', Float32Array.from([1, 0, 1])],
      ]),
    );
    const ls = rows(logits.data, 4).map((row) => {
      const z = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
      return row.map((v) => v - z);
    });
    expectClose(lp, [ls[1][3]], 1e-5); // position 0 predicts token 1 (masked out), position 1 predicts 3
  });
});

describe('rope', () => {
  it('matches the Hugging Face rotate_half formulation', () => {
    const r = rng(16);
    const T = 3;
    const Dh = 4;
    const x = leaf([T, Dh], r);
    const [y] = evalWith([nn.rope(x.node, 10000)], [x]);
    const want: number[] = [];
    for (let p = 0; p < T; p++) {
      const row = Array.from(x.data.subarray(p * Dh, (p + 1) * Dh));
      for (let i = 0; i < Dh; i++) {
        const f = p * Math.pow(10000, -(2 * (i % (Dh / 2))) / Dh);
        const rot = i < Dh / 2 ? -row[i + Dh / 2] : row[i - Dh / 2];
        want.push(row[i] * Math.cos(f) + rot * Math.sin(f));
      }
    }
    expectClose(y, want, 1e-5);
  });
});

describe('dropout', () => {
  it('drops about p of the entries, scales the rest by 1/(1-p), and repeats for the same seed', () => {
    const r = rng(17);
    const x = leaf([64, 64], r);
    const seed = input('seed', [], 'i32');
    const y = nn.dropout(x.node, 0.25, seed, 3);
    const run = (s: number) =>
      evalWith([y], [x], new Map<string, Int32Array | Float32Array>([['seed', Int32Array.of(s)]]))[0];
    const a = run(5);
    const zeros = a.filter((v) => v === 0).length / a.length;
    expect(Math.abs(zeros - 0.25)).toBeLessThan(0.03);
    a.forEach((v, i) => {
      if (v !== 0) expect(Math.abs(v - x.data[i] / 0.75)).toBeLessThan(1e-6);
    });
    expect(Array.from(run(5))).toEqual(Array.from(a));
    expect(Array.from(run(6))).not.toEqual(Array.from(a));
  });
});
