// The spurious-feature task of LEVI's acceptance test (methods catalog #14), as a causal LM
// on the tiny GPT-2 (vocab 16): a sequence of T = 6 tokens, the label token last, the loss
// on the label only.
//
//   position 0        the spurious token: 10 + s
//   positions 1 .. 4  core tokens, each drawn from {2..5} when y = 0, from {6..9} when y = 1
//   position 5        the label token 12 + y (predicted from position 4)
//
// In the training distribution s = y (the spurious token predicts the label perfectly, as
// the core tokens do); in the OOD split s is a fair coin, independent of y.
//
// The "pretrained" model is the frozen GPT-2 whose embedding rows 2..9 are all equal: its
// features cannot tell the core tokens apart (the paper's case of a pretrained model that
// lacks a feature the new task needs) while they do see the spurious token. So a linear
// probe on them can only learn s, and LEVI's small model, reading the tokens with its own
// embedding, is the only view that can learn y.

import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import { forward, train } from '../stdlib/helpers.ts';

export const [V, T, D] = [16, 6, 16];

/** xorshift32 in [0, 1): the test's own data stream, independent of the compiler's RNG. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** n examples: tokens (n, T) and labels y (n). */
export function spuriousBatch(n: number, ood: boolean, seed: number) {
  const r = rng(seed);
  const tokens = new Int32Array(n * T);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lab = r() < 0.5 ? 0 : 1;
    y[i] = lab;
    const s = ood ? (r() < 0.5 ? 0 : 1) : lab;
    tokens[i * T] = 10 + s;
    for (let t = 1; t < T - 1; t++) tokens[i * T + t] = (lab ? 6 : 2) + Math.floor(r() * 4);
    tokens[i * T + T - 1] = 12 + lab;
  }
  return { tokens, y };
}

const labelMask = (n: number) => Float32Array.from({ length: n * T }, (_, i) => (i % T === T - 1 ? 1 : 0));

/** The tiny GPT-2 recipe with `apply` and local method declarations `methods`. */
export const spuriousRecipe = (apply: string, methods: string, B: number, lr: number) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.levi
${methods}
recipe r {
  model = gpt2(vocab: ${V}, ctx: 8, d: ${D}, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: ${T}) |> batch(${B})
  ${apply}
  loss = causal_lm
  optim = adamw(lr: ${lr})
  train(steps: 100)
}`;

/**
 * A linear probe on the frozen model's final features z = ln_f(h) (B, T, D): logits =
 * frozen logits + z P^T with P (V, D) trainable from zero, so the label logits are any
 * linear function of z.
 */
export const probeMethod = `method probe() {
  freeze all
  for h in modules("ln_f") {
    wrap h(x) {
      let z = base(x)
      tap("probe.z", z)
      return z
    }
  }
  param model.probe: f32[${V}, ${D}] init zeros trainable
  wrap model(t) {
    let y = base(t)
    let zs = taps("probe.z")
    return y + zs[len(zs) - 1] @ model.probe^T
  }
}`;

/**
 * Train `apply` for `steps` steps of B training-distribution examples (AdamW at `lr`) from
 * the core-blind "pretrained" weights drawn with `seed`; returns the accuracy (label logit
 * 13 vs 12 at position T - 2) on 256 fresh training-distribution and 256 OOD examples.
 */
export function spuriousRun(apply: string, methods: string, seed: number, lr = 3e-2, steps = 40, B = 32) {
  const text = spuriousRecipe(apply, methods, B, lr);
  const b = train(text);
  const f = forward(text);
  const store = b.initialValues(seed) as Map<string, TypedArray>;
  const wte = store.get('wte.weight') as Float32Array; // (V, D)
  for (let t = 3; t <= 9; t++) wte.set(wte.subarray(2 * D, 3 * D), t * D);
  for (let s = 1; s <= steps; s++) {
    const { tokens } = spuriousBatch(B, false, seed * 1000 + s);
    const inputs = new Map<string, TypedArray>([
      ['tokens', tokens],
      ['loss_mask', labelMask(B)],
      ['step', Int32Array.of(s)],
      ['seed', Int32Array.of(s)],
    ]);
    step(b.graph, store, inputs);
  }
  const accuracy = (ood: boolean) => {
    let ok = 0;
    for (let k = 0; k < 256 / B; k++) {
      const { tokens, y } = spuriousBatch(B, ood, 777 + k + (ood ? 100 : 0));
      const inputs = new Map<string, TypedArray>([
        ['tokens', tokens],
        ['loss_mask', labelMask(B)],
      ]);
      const out = evaluate(f.graph, { params: store, inputs }).outputs.output as Float32Array; // (B, T, V)
      for (let i = 0; i < B; i++) {
        const o = (i * T + T - 2) * V;
        if ((out[o + 13] > out[o + 12] ? 1 : 0) === y[i]) ok++;
      }
    }
    return ok / 256;
  };
  return { train: accuracy(false), ood: accuracy(true), store };
}

/** The OOD accuracy of always following the spurious token (the probe's ceiling). */
export function spuriousFollowerOod(B = 32): number {
  let ok = 0;
  for (let k = 0; k < 256 / B; k++) {
    const { tokens, y } = spuriousBatch(B, true, 777 + k + 100);
    for (let i = 0; i < B; i++) if (tokens[i * T] - 10 === y[i]) ok++;
  }
  return ok / 256;
}
