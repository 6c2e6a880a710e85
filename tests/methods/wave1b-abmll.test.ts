// ABMLL (stdlib/methods/abmll.ftl): the ELBO's KL term equals the closed-form Gaussian KL
// computed here in float64; with beta = 0 and variances -> 0 training follows deterministic
// LoRA step for step; merging the posterior mean equals the (near-deterministic) model;
// on a toy classification task where deterministic LoRA overfits 24 noisy examples, the
// Monte-Carlo predictive of ABMLL (trained with the same steps, rank and learning rate) has
// a lower held-out expected calibration error on every measured seed; CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';
import { accuracy, ece, mcPredictive, nll, toyTask } from './calibration.ts';

const rec = (apply: string) => 'import std.methods.abmll\n' + gptRecipe(apply);
const T = 'targets: "blocks.*.attn.{q,v}"';

function kl64(st: Store, prefix: string, priorStd: number): number {
  const mu = st.get(`${prefix}.mu_a`)!;
  let k = 0;
  for (const ab of ['a', 'b']) {
    const m = st.get(`${prefix}.mu_${ab}`)!;
    const lv = st.get(`${prefix}.logvar_${ab}`)!;
    const g = st.get(`${prefix}.lora_${ab}`)!;
    for (let i = 0; i < m.length; i++)
      k +=
        Math.log(priorStd) - 0.5 * lv[i] + (Math.exp(lv[i]) + (m[i] - g[i]) ** 2) / (2 * priorStd ** 2) - 0.5;
  }
  return mu ? k : NaN;
}

describe('abmll', () => {
  it('the KL term equals the closed-form Gaussian KL', () => {
    const loss = (beta: number) => {
      const b = train(rec(`apply abmll(r: 2, beta: ${beta}, prior_std: 0.5, ${T})`));
      const st = b.initialValues(4);
      let i = 0;
      for (const [k, v] of st)
        if (/\.(mu_[ab]|logvar_[ab])$/.test(k))
          st.set(
            k,
            v.map((x, j) =>
              k.includes('logvar') ? -2 + 0.5 * Math.sin(j + ++i) : x + 0.1 * Math.cos(j * 3 + i),
            ),
          );
      let kl = 0;
      for (const site of ['0.attn.q', '0.attn.v', '1.attn.q', '1.attn.v', '2.attn.q', '2.attn.v'])
        kl += kl64(st, `blocks.${site}`, 0.5);
      return { l: step(b.graph, st, tokenInputs(4, 8, 16, 1)).loss[0], kl };
    };
    const a = loss(0);
    const b = loss(1);
    expect(b.kl).toBeGreaterThan(1);
    expect(Math.abs(b.l - a.l - b.kl)).toBeLessThan(1e-6 * b.kl + 4e-6);
  });

  it('with beta = 0 and variances -> 0 it trains exactly like deterministic LoRA', () => {
    const run = (apply: string) => {
      const b = train(rec(apply));
      const st = b.initialValues(7);
      return [1, 2, 3, 4].map((s) => step(b.graph, st, tokenInputs(4, 8, 16, s)).loss[0]);
    };
    const bayes = run(`apply abmll(r: 2, alpha: 4.0, beta: 0.0, init_logvar: -80.0, ${T})`);
    const lora = run(`apply lora(r: 2, alpha: 4.0, ${T})`);
    bayes.forEach((v, i) => expect(Math.abs(v - lora[i])).toBeLessThan(1e-6));
    expect(lora[3]).not.toBe(lora[0]);
  });

  it('merging the posterior mean equals the model within 1e-5', () => {
    const apply = `apply abmll(r: 2, init_logvar: -80.0, ${T})`;
    const b = train(rec(apply));
    const st = b.initialValues(2);
    for (let s = 1; s <= 3; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
    const inp = tokenInputs(4, 8, 16, 9);
    const y = evaluate(forward(rec(apply)).graph, { params: st, inputs: inp }).outputs.output;
    const ym = evaluate(forward(rec('')).graph, { params: mergedParams(b.tree, st), inputs: inp }).outputs
      .output;
    const y0 = evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output;
    let diff = 0;
    let moved = 0;
    y.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - ym[i]));
      moved = Math.max(moved, Math.abs(v - y0[i]));
    });
    expect(diff).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-4);
  });
});

// The toy task: a frozen random MLP (8 -> 32 -> 4) adapted by rank-4 factors on both layers
// to 24 training points of a noisy linear teacher (LoRA reaches 40-66% held-out accuracy),
// full batch, 300 AdamW steps at lr 1e-2; evaluated on 512 held-out points. ABMLL's beta is
// 1 / (training set size) (the ELBO per example), its prior std 0.2, its log-variances start
// at the prior's. Seeds 1-5 are asserted; a sweep over seeds 6-21 with the same code also had
// ABMLL's ECE below LoRA's on every seed (ratio 0.22 .. 0.63).
const D = 8;
const C = 4;
const N_TRAIN = 24;
const N_TEST = 512;
const STEPS = 300;
const MC = 16;
const clsRecipe = (apply: string, B: number) => `
import std.models.mlp_classifier
import std.losses.classification
import std.optim.adamw
import std.methods.lora
import std.methods.abmll
recipe r {
  model = mlp_classifier(dim: ${D}, hidden: 32, classes: ${C})
  data = synthetic_classification(n: ${B}, dim: ${D}, classes: ${C}, seed: 1) |> batch(${B})
  ${apply}
  loss = classification
  optim = adamw(lr: 1e-2)
  train(steps: ${STEPS})
}`;
const LORA = 'apply lora(r: 4, alpha: 8.0)';
const ABMLL = `apply abmll(r: 4, alpha: 8.0, beta: ${1 / N_TRAIN}, prior_std: 0.2, init_logvar: ${2 * Math.log(0.2)})`;

/** Train `apply` on the task of `seed` (frozen base drawn with `seed`); held-out predictive. */
function heldOut(apply: string, seed: number, samples: number) {
  const task = toyTask(seed, D, C, N_TRAIN, N_TEST, 1.5);
  const b = train(clsRecipe(apply, N_TRAIN));
  const st = b.initialValues(seed) as Map<string, TypedArray>;
  const inp = new Map<string, TypedArray>([
    ['x', task.train.x],
    ['label', task.train.y],
  ]);
  let last = 0;
  for (let s = 1; s <= STEPS; s++) {
    inp.set('step', Int32Array.of(s));
    inp.set('seed', Int32Array.of(s));
    last = step(b.graph, st, inp).loss[0];
  }
  const f = forward(clsRecipe(apply, N_TEST)).graph;
  const test = new Map<string, TypedArray>([
    ['x', task.test.x],
    ['label', task.test.y],
  ]);
  const seeds = Array.from({ length: samples }, (_, i) => 10_000 + i);
  const p = mcPredictive(f, st, test, seeds, C);
  const y = task.test.y;
  return { trainLoss: last, ece: ece(p, y, C), acc: accuracy(p, y, C), nll: nll(p, y, C), p, y, f, st, test };
}

/** Independent ECE: per bin, filter the rows whose confidence falls in it, |mean acc - mean conf| * share. */
function ece64(p: Float64Array, y: Int32Array, bins: number): number {
  const rows = Array.from(y, (label, i) => {
    const row = Array.from(p.subarray(i * C, (i + 1) * C));
    const conf = Math.max(...row);
    return { conf, ok: row.indexOf(conf) === label ? 1 : 0 };
  });
  let e = 0;
  for (let b = 0; b < bins; b++) {
    const inBin = rows.filter((r) =>
      b === bins - 1 ? r.conf >= b / bins : r.conf >= b / bins && r.conf < (b + 1) / bins,
    );
    if (!inBin.length) continue;
    const acc = inBin.reduce((a, r) => a + r.ok, 0) / inBin.length;
    const conf = inBin.reduce((a, r) => a + r.conf, 0) / inBin.length;
    e += (inBin.length / rows.length) * Math.abs(acc - conf);
  }
  return e;
}

describe('abmll calibration on a toy task (CPU executor)', () => {
  it('ECE by hand: two confident rows (one wrong) and one calibrated-ish row', () => {
    // rows: conf 0.9 right, conf 0.9 wrong (bin 9: |1 - 1.8| = 0.8); conf 0.4 right (bin 4: 0.6)
    const p = Float64Array.of(0.9, 0.05, 0.05, 0, 0.05, 0.9, 0.05, 0, 0.2, 0.2, 0.4, 0.2);
    const y = Int32Array.of(0, 0, 2);
    expect(ece(p, y, C)).toBeCloseTo((0.8 + 0.6) / 3, 12);
    expect(accuracy(p, y, C)).toBeCloseTo(2 / 3, 12);
    expect(nll(p, y, C)).toBeCloseTo(-(Math.log(0.9) + Math.log(0.05) + Math.log(0.4)) / 3, 12);
  });

  it('the MC predictive samples the factors in eval mode; with variances -> 0 it is deterministic', () => {
    const task = toyTask(1, D, C, 4, 16, 1.5);
    const test = new Map<string, TypedArray>([
      ['x', task.test.x],
      ['label', task.test.y],
    ]);
    const run = (lv: number) => {
      const apply = `apply abmll(r: 4, alpha: 8.0, init_logvar: ${lv})`;
      const f = forward(clsRecipe(apply, 16)).graph;
      const st = train(clsRecipe(apply, 16)).initialValues(3) as Map<string, TypedArray>;
      // B starts at zero: move its mean so the sampled branch changes the logits.
      for (const k of ['fc1.mu_b', 'fc2.mu_b'])
        st.set(
          k,
          st.get(k)!.map((_, i) => 0.3 * Math.sin(i + 1)),
        );
      return [
        mcPredictive(f, st, test, [1], C),
        mcPredictive(f, st, test, [2], C),
        mcPredictive(f, st, test, [1, 2], C),
      ];
    };
    const maxDiff = (a: Float64Array, b: Float64Array) =>
      a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    const [a, b, ab] = run(-2);
    expect(maxDiff(a, b)).toBeGreaterThan(1e-3);
    // the 2-sample predictive is the mean of the two 1-sample ones
    expect(
      maxDiff(
        ab,
        a.map((v, i) => (v + b[i]) / 2),
      ),
    ).toBeLessThan(1e-12);
    const [d1, d2] = run(-80);
    expect(maxDiff(d1, d2)).toBe(0);
  });

  it('held-out ECE of ABMLL (16-sample predictive) is below deterministic LoRA on 5 seeds', () => {
    const rows: string[] = [];
    const ratios: number[] = [];
    const accs: [number, number][] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const l = heldOut(LORA, seed, 1); // deterministic: one evaluation is the predictive
      const a = heldOut(ABMLL, seed, MC);
      rows.push(
        `seed ${seed}: ECE lora ${l.ece.toFixed(3)} abmll ${a.ece.toFixed(3)}; acc ${l.acc.toFixed(3)} / ` +
          `${a.acc.toFixed(3)}; NLL ${l.nll.toFixed(2)} / ${a.nll.toFixed(2)}; train loss ${l.trainLoss.toExponential(1)} / ${a.trainLoss.toExponential(1)}`,
      );
      // the ECE helper agrees with the independent per-bin computation
      expect(Math.abs(l.ece - ece64(l.p, l.y, 10))).toBeLessThan(1e-12);
      expect(Math.abs(a.ece - ece64(a.p, a.y, 10))).toBeLessThan(1e-12);
      // the setting is what it claims: LoRA fits the training points and is overconfident
      expect(l.trainLoss).toBeLessThan(1e-2);
      expect(l.ece).toBeGreaterThan(0.25);
      expect(a.ece).toBeLessThan(l.ece);
      expect(a.nll).toBeLessThan(l.nll);
      accs.push([l.acc, a.acc]);
      ratios.push(a.ece / l.ece);
    }
    console.log(`abmll toy calibration (${N_TRAIN} train / ${N_TEST} held-out):\n  ${rows.join('\n  ')}`);
    expect(ratios.reduce((s, r) => s + r, 0) / ratios.length).toBeLessThan(0.8);
    // ... without buying calibration with accuracy: on average over the seeds it is not lower
    // (per seed it can be: a 21-seed sweep saw -0.06 .. +0.12 around a mean of +0.03)
    const mean = (k: 0 | 1) => accs.reduce((s, a) => s + a[k], 0) / accs.length;
    expect(mean(1)).toBeGreaterThan(mean(0) - 0.02);
  }, 60_000);
});

describe('abmll on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('3 training steps (sampled LoRA factors) equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(`apply abmll(r: 2, init_logvar: -4.0, ${T})`), 3, (s) =>
      tokenInputs(4, 8, 16, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
