// Calibration helpers for method tests: the Monte-Carlo predictive distribution of a
// forward graph whose model draws noise from the `seed` input (variational / Bayesian
// methods: the forward samples its weights with `randn_like`, which is on in eval mode too),
// the binned expected calibration error, and a noisy linear toy classification task.
//
//   mcPredictive(graph, params, inputs, seeds, classes) -> Float64Array (N, classes)
//     = mean over s in seeds of softmax(output | seed = s), output f32[N, classes]
//   ece(probs, labels, classes, bins) -> sum_b |B_b| / N * |acc(B_b) - conf(B_b)|
//     (confidence = max probability, bin b = [b/bins, (b+1)/bins), prediction = argmax)
//   toyTask(seed, dim, classes, nTrain, nTest, noise) -> { train, test } of { x f32[n, dim], y i32[n] }

import type { Graph } from '../../compiler/ir/graph.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import { normal } from '../../runtime/rng.ts';

/** Average of softmax(output) over one forward evaluation per seed; (N, classes) row-major. */
export function mcPredictive(
  graph: Graph,
  params: ReadonlyMap<string, TypedArray>,
  inputs: ReadonlyMap<string, TypedArray>,
  seeds: readonly number[],
  classes: number,
): Float64Array {
  let probs: Float64Array | undefined;
  for (const s of seeds) {
    const inp = new Map(inputs);
    inp.set('seed', Int32Array.of(s));
    const out = evaluate(graph, { params, inputs: inp }).outputs.output; // (N, classes) logits
    probs ??= new Float64Array(out.length);
    for (let r = 0; r < out.length / classes; r++) {
      let m = -Infinity;
      for (let c = 0; c < classes; c++) m = Math.max(m, out[r * classes + c]);
      let z = 0;
      for (let c = 0; c < classes; c++) z += Math.exp(out[r * classes + c] - m);
      for (let c = 0; c < classes; c++)
        probs[r * classes + c] += Math.exp(out[r * classes + c] - m) / z / seeds.length;
    }
  }
  if (!probs) throw new Error('mcPredictive needs at least one seed');
  return probs;
}

/** Argmax and max of each row of a (N, classes) probability table. */
export function predictions(probs: ArrayLike<number>, classes: number): { pred: number[]; conf: number[] } {
  const pred: number[] = [];
  const conf: number[] = [];
  for (let r = 0; r < probs.length / classes; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[r * classes + c] > probs[r * classes + best]) best = c;
    pred.push(best);
    conf.push(probs[r * classes + best]);
  }
  return { pred, conf };
}

/** Binned expected calibration error of a (N, classes) predictive table against labels. */
export function ece(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number, bins = 10): number {
  const { pred, conf } = predictions(probs, classes);
  const gap = new Float64Array(bins); // per bin: sum of (correct - confidence)
  pred.forEach((p, i) => {
    const b = Math.min(bins - 1, Math.floor(conf[i] * bins));
    gap[b] += (p === labels[i] ? 1 : 0) - conf[i];
  });
  return gap.reduce((a, g) => a + Math.abs(g), 0) / pred.length;
}

/** Fraction of rows whose argmax is the label. */
export function accuracy(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const { pred } = predictions(probs, classes);
  return pred.filter((p, i) => p === labels[i]).length / pred.length;
}

/** Mean negative log-likelihood of the labels under a (N, classes) predictive table. */
export function nll(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  let s = 0;
  for (let r = 0; r < labels.length; r++) s -= Math.log(probs[r * classes + labels[r]]);
  return s / labels.length;
}

export interface Split {
  readonly x: Float32Array; // (n, dim), standard normal
  readonly y: Int32Array; // (n,), argmax of the teacher's logits plus N(0, noise^2) per class
}

/**
 * A noisy linear teacher: W* (classes, dim) standard normal; y = argmax(W* x + noise eps).
 * The noise makes labels partly unpredictable, so a model that fits a few training points
 * exactly is overconfident on held-out points. Deterministic in `seed` (counter-based rng).
 */
export function toyTask(
  seed: number,
  dim: number,
  classes: number,
  nTrain: number,
  nTest: number,
  noise: number,
): { train: Split; test: Split } {
  let ctr = 0;
  const g = () => normal(seed, 7, ctr++);
  const w = Array.from({ length: classes * dim }, g);
  const split = (n: number): Split => {
    const x = Float32Array.from({ length: n * dim }, g);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = -Infinity;
      for (let c = 0; c < classes; c++) {
        let z = noise * g();
        for (let k = 0; k < dim; k++) z += w[c * dim + k] * x[i * dim + k];
        if (z > best) [best, y[i]] = [z, c];
      }
    }
    return { x, y };
  };
  return { train: split(nTrain), test: split(nTest) };
}
