// examples/mlp.ftl end to end on the CPU executor: the recipe compiles to a training graph
// and the loss falls on the synthetic data.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { syntheticBatch, syntheticClassification } from '../../compiler/train/synthetic.ts';
import { step } from '../../runtime/cpu/index.ts';

describe('examples/mlp.ftl', () => {
  it('trains on the CPU executor and the loss falls', () => {
    const file = 'examples/mlp.ftl';
    const r = buildTrainingGraph({ file, program: parse(readFileSync(file, 'utf8'), file).ast }, { parse });
    expect(r.diagnostics).toEqual([]);
    const b = r as TrainingBuild;
    expect(b.dataSpec.fields.map((f) => `${f.name}:${f.shape}`)).toEqual(['x:32,8', 'label:32']);
    const data = syntheticClassification(256, 8, 4, 0);
    const store = b.initialValues(0) as Map<string, Float32Array | Int32Array | Float64Array | Uint8Array>;
    const losses: number[] = [];
    for (let s = 1; s <= 60; s++) {
      const { x, label } = syntheticBatch(data, 8, s - 1, 32);
      const out = step(
        b.graph,
        store,
        new Map<string, Float32Array | Int32Array>([
          ['x', x],
          ['label', label],
          ['step', Int32Array.of(s)],
        ]),
      );
      losses.push(out.loss[0]);
    }
    // Four classes: chance is ln 4 = 1.386; the data are separable.
    expect(losses[0]).toBeGreaterThan(1.0);
    expect(losses.slice(-5).reduce((a, v) => a + v, 0) / 5).toBeLessThan(0.3);
  });
});
