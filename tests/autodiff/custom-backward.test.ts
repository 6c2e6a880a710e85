// Custom backward rules declared in .ftl (`fn f(x) = body backward(g) = expr`): the rule's
// gradient replaces the body's. Checked against plain autodiff of the same body, against
// hand-computed rules, and by finite differences; rule errors are diagnostics at the rule.

import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/check/index.ts';
import { verify } from '../../compiler/ir/verify.ts';
import { TraceError } from '../../compiler/trace/errors.ts';
import { freshInput, randArray, seeded } from '../cpu/util.ts';
import { call, session, valueAndGrads } from './custom-fns.ts';

const src = `
fn cube(x) = x * x * x
fn cube_exact(x) = x * x * x backward(g) = 3.0 * g * x * x
fn cube_doubled(x) = x * x * x backward(g) = 2.0 * g * 3.0 * x * x
fn sign_ste(x) = sign(x) backward(g) = g
fn mulw(x, w, k: float) = k * x * tanh(w) backward(g) = [k * g * tanh(w), k * g * x * (1.0 - tanh(w) * tanh(w)), 0]
fn mulw_plain(x, w, k: float) = k * x * tanh(w)
fn only_x(x, w) = x * w backward(g) = [g * w, 0]
fn block_rule(x) = exp(x) backward(g) {
  let y = exp(x)
  return g * y
}
fn bad_shape(x) = x * 2.0 backward(g) = sum(g)
fn bad_arity(x, w) = x * w backward(g) = g * w
fn outer(x) = cube_exact(x) * 2.0 backward(g) = 7.0 * g
`;

const rng = seeded(3);
const feed = (...pairs: [ReturnType<typeof freshInput>, Float64Array][]) =>
  new Map(pairs.map(([n, v]) => [n.arg.name, v]));

describe('custom backward rules', () => {
  const s = session(src);
  const x = freshInput([3, 5]);
  const w = freshInput([3, 5], 'f32', 'w');
  const xv = randArray(rng, 15, -2, 2);
  const wv = randArray(rng, 15, -1, 1);
  const inputs = feed([x, xv], [w, wv]);

  it('a rule equal to the true derivative gives exactly what plain autodiff gives', () => {
    const plain = valueAndGrads(call(s, 'cube', [x]), [x], inputs);
    const custom = valueAndGrads(call(s, 'cube_exact', [x]), [x], inputs);
    expect(custom.value).toBe(plain.value);
    custom.grads[0].forEach((g, i) => expect(g).toBeCloseTo(plain.grads[0][i], 12));
    custom.grads[0].forEach((g, i) => expect(g).toBeCloseTo(3 * xv[i] * xv[i], 12));
  });

  it('a different rule is what the gradient becomes (2 x the derivative)', () => {
    const r = valueAndGrads(call(s, 'cube_doubled', [x]), [x], inputs);
    r.grads[0].forEach((g, i) => expect(g).toBeCloseTo(6 * xv[i] * xv[i], 12));
  });

  it('straight-through sign: gradient g where autodiff of sign gives 0', () => {
    const plain = valueAndGrads(call(s, 'sign_ste', [x]), [x], inputs);
    expect([...plain.grads[0]]).toEqual(new Array(15).fill(1));
    const y = call(s, 'sign_ste', [x]);
    expect(y.op).toBe('custom_vjp');
    // Without custom rules (a forward-only trace) the call is the body and has no marker.
    s.env.customBackward = false;
    const body = s.it.call(s.scope.lookup('sign_ste')!, {
      positional: [x],
      named: new Map(),
      span: undefined!,
    });
    expect((body as { op: string }).op).not.toBe('custom_vjp');
    s.env.customBackward = true;
  });

  it('several parameters: one gradient each, host parameters ignored; matches plain autodiff', () => {
    const custom = valueAndGrads(call(s, 'mulw', [x, w, 0.5]), [x, w], inputs);
    const plain = valueAndGrads(call(s, 'mulw_plain', [x, w, 0.5]), [x, w], inputs);
    expect(custom.value).toBeCloseTo(plain.value, 12);
    for (const k of [0, 1]) custom.grads[k].forEach((g, i) => expect(g).toBeCloseTo(plain.grads[k][i], 12));
  });

  it('0 means no gradient for that parameter', () => {
    const r = valueAndGrads(call(s, 'only_x', [x, w]), [x, w], inputs);
    r.grads[0].forEach((g, i) => expect(g).toBeCloseTo(wv[i], 12));
    expect([...r.grads[1]]).toEqual(new Array(15).fill(0));
  });

  it('a block-bodied rule; nested custom fns use the outer rule only', () => {
    const r = valueAndGrads(call(s, 'block_rule', [x]), [x], inputs);
    r.grads[0].forEach((g, i) => expect(g).toBeCloseTo(Math.exp(xv[i]), 10));
    const o = valueAndGrads(call(s, 'outer', [x]), [x], inputs);
    expect([...o.grads[0]]).toEqual(new Array(15).fill(7));
  });

  it('finite differences agree with an exact custom rule (f64)', () => {
    const v = randArray(rng, 15, -1, 1);
    const fx = freshInput([3, 5]);
    const fw = freshInput([3, 5], 'f32', 'w');
    const y = call(s, 'mulw', [fx, fw, 1.5]);
    const at = (xs: Float64Array) => valueAndGrads(y, [fx, fw], feed([fx, xs], [fw, wv]));
    const { grads } = at(v);
    const eps = 1e-6;
    for (let i = 0; i < 15; i++) {
      const up = Float64Array.from(v);
      const dn = Float64Array.from(v);
      up[i] += eps;
      dn[i] -= eps;
      const numeric = (at(up).value - at(dn).value) / (2 * eps);
      expect(Math.abs(grads[0][i] - numeric)).toBeLessThan(1e-6);
    }
  });

  it('a wrong-shaped or wrong-arity rule is a TraceError at the rule, raised when differentiated', () => {
    for (const [fn, args, msg] of [
      ['bad_shape', [x], /gives `x` \(f32\[3, 5\]\) a gradient of f32\[\]/],
      ['bad_arity', [x, w], /must give 2 gradient\(s\)/],
    ] as const) {
      const y = call(s, fn, [...args]);
      let caught: unknown;
      try {
        valueAndGrads(y, [x], inputs);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TraceError);
      expect((caught as TraceError).message).toMatch(msg);
      const line = src.split('\n').findIndex((l) => l.startsWith(`fn ${fn}(`)) + 1;
      expect((caught as TraceError).span?.line).toBe(line);
    }
  });

  it('the verifier rejects a leftover marker', () => {
    const y = call(s, 'sign_ste', [x]);
    expect(() => verify({ outputs: { y }, updates: [] }, 'test')).toThrow(/custom backward marker/);
  });

  it('two calls on the same input are two markers (hash-consing keeps them apart)', () => {
    const a = call(s, 'sign_ste', [x]);
    const b = call(s, 'sign_ste', [x]);
    expect(a).not.toBe(b);
    expect(a.src[0]).toBe(b.src[0]);
  });

  it('the checker catches a rule of the wrong arity before tracing', () => {
    const codes = (text: string) => checkSource(text, 'tests/inline.ftl').diagnostics.map((d) => d.code);
    expect(codes('fn f(x, w) = x * w backward(g) = [g * w, g * x]')).toEqual([]);
    expect(codes('fn f(x, w) = x * w backward(g) = [g * w]')).toEqual(['FTL0203']);
    expect(codes('fn f(x, w) = x * w backward(g) = g * w')).toEqual(['FTL0203']);
    expect(codes('fn f(x) = x backward(g, h) = g')).toEqual(['FTL0106']);
    expect(codes('fn f(x) = x backward(g) { return [g, g] }')).toEqual(['FTL0203']);
  });
});
