// LP-FT (stdlib/methods/lp_ft.ftl) in three stages on an MLP classifier: linear probing
// changes only the head, fine-tuning starts from the probed head exactly and moves the
// backbone, temperature scaling lowers the NLL on a held batch while the model's weights
// stay bit-identical and the argmax predictions (checked by an independent forward) are
// unchanged. The same three stages on the recipe's own (learnable) synthetic clusters: after
// LP-FT the classifier is accurate, and temperature scaling fitted on unseen validation rows
// of the same distribution lowers their NLL, keeps their argmax and moves only T. CPU and WebGPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { syntheticBatch, syntheticClassification } from '../../compiler/train/synthetic.ts';
import { carryInto } from '../../runtime/train/stages.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, changed, gpuVsCpu, runCpu, values } from './helpers.ts';

const recipe = `
import std.models.mlp_classifier
import std.losses.classification
import std.optim.sgd
import std.methods.lp_ft
recipe r {
  model = mlp_classifier(dim: 8, hidden: 16, classes: 4)
  data = synthetic_classification(n: 64, dim: 8, classes: 4, seed: 1) |> batch(16)
  loss = classification
  optim = sgd(lr: 0.5)
  stage lp { apply linear_probe(head: "fc2"); train(steps: 20) }
  stage ft { apply full_finetune(); train(steps: 20) }
  stage ts { apply temperature_scaling(); optim = sgd(lr: 0.05); train(steps: 30) }
}`;
const [lp, ft, ts] = ['lp', 'ft', 'ts'].map((s) => build(recipe, s));

/** Independent forward: relu(x W1^T + b1) W2^T + b2, row-major, for argmax. */
function argmaxes(v: Map<string, Float32Array>, x: Float32Array, B: number): number[] {
  const [w1, b1, w2, b2] = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'].map((n) => v.get(n)!);
  const out: number[] = [];
  for (let r = 0; r < B; r++) {
    const h = Array.from({ length: 16 }, (_, j) =>
      Math.max(0, b1[j] + [...Array(8).keys()].reduce((a, k) => a + w1[j * 8 + k] * x[r * 8 + k], 0)),
    );
    const z = Array.from({ length: 4 }, (_, c) => b2[c] + h.reduce((a, hj, j) => a + w2[c * 16 + j] * hj, 0));
    out.push(z.indexOf(Math.max(...z)));
  }
  return out;
}

describe('lp-ft', () => {
  const s1 = runCpu(lp, 20).store;
  const s2 = runCpu(ft, 20, carryInto(lp, s1, ft)).store;

  it('probes the head only, then fine-tunes everything from the probed head', () => {
    const v0 = values(lp, new Map(lp.initialValues(0)));
    const v1 = values(lp, s1);
    expect(changed(v0, v1)).toEqual(['fc2.bias', 'fc2.weight']);
    const start = carryInto(lp, s1, ft);
    expect(changed(v1, values(ft, start))).toEqual([]);
    expect(changed(v1, values(ft, s2))).toEqual(['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);
  });

  it('temperature scaling lowers held-out NLL and keeps weights and predictions', () => {
    const held = batchFor(ts, 99);
    const start = carryInto(ft, s2, ts);
    const nll = (store: Map<string, TypedArray>) =>
      evaluate(ts.graph, { params: store, inputs: held }).outputs.loss[0];
    const before = nll(start as Map<string, TypedArray>);
    const vs = values(ts, start); // runCpu updates the store in place
    const out = runCpu(ts, 30, start, () => held).store;
    const after = nll(out as Map<string, TypedArray>);
    expect(after).toBeLessThan(before);
    const T = (out.get('temperature') as Float32Array)[0];
    expect(T).toBeGreaterThan(0);
    expect(T).not.toBe(1);
    const ve = values(ts, out);
    expect(changed(vs, ve)).toEqual(['temperature']);
    const x = held.get('x') as Float32Array;
    expect(argmaxes(ve, x, 16)).toEqual(argmaxes(vs, x, 16));
  });

  it('on learnable clusters: T fitted on validation rows lowers their NLL, argmax unchanged', () => {
    // The recipe's data (n: 64, seed 1) trains; rows 64..127 of the same generator (same
    // class centers, fresh noise) are the validation set, in 4 batches of 16.
    const all = syntheticClassification(128, 8, 4, 1);
    const rows = (b: number) => {
      const { x, label } = syntheticBatch(all, 8, b, 16);
      return (s: number) => {
        const m = batchFor(ts, s);
        m.set('x', x);
        m.set('label', label);
        return m;
      };
    };
    const trainFeed = (s: number) => rows((s - 1) % 4)(s); // rows 0..63
    const val = [4, 5, 6, 7].map((b) => rows(b)(0)); // rows 64..127
    const a1 = runCpu(lp, 20, undefined, trainFeed).store;
    const a2 = runCpu(ft, 20, carryInto(lp, a1, ft), trainFeed).store;
    const start = carryInto(ft, a2, ts);
    const nll = (store: Map<string, TypedArray>) =>
      val.reduce((a, inp) => a + evaluate(ts.graph, { params: store, inputs: inp }).outputs.loss[0], 0) / 4;
    const vs = values(ts, start);
    const preds = (v: Map<string, Float32Array>) =>
      val.flatMap((inp) => argmaxes(v, inp.get('x') as Float32Array, 16));
    const truth = val.flatMap((inp) => Array.from(inp.get('label') as Int32Array));
    const acc = preds(vs).filter((p, i) => p === truth[i]).length / truth.length;
    expect(acc).toBeGreaterThan(0.9); // not a chance-level model: T has something to calibrate
    const before = nll(start as Map<string, TypedArray>);
    const out = runCpu(ts, 30, start, (s) => val[(s - 1) % 4]).store;
    expect(nll(out as Map<string, TypedArray>)).toBeLessThan(before);
    const ve = values(ts, out);
    expect(changed(vs, ve)).toEqual(['temperature']);
    expect(preds(ve)).toEqual(preds(vs));
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('the probe stage changes only the head, like the CPU', async () => {
      const r = await gpuVsCpu(h, lp, 5);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(['fc2.bias', 'fc2.weight']);
    }, 60_000);
  });
});
