// PEFT methods from stdlib/methods (adapter, ia3, rslora): each starts as the base model
// exactly, trains only its own tensors, and (where it has merge rules) merges back to a
// plain model with the same outputs within 1e-5.
import { describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import { forward, gptRecipe, tokenBatch, train, type Store } from './helpers.ts';

const imports =
  'import std.methods.adapter\nimport std.methods.ia3\nimport std.methods.rslora\nimport std.methods.dora\n';
const recipe = (apply: string) => imports + gptRecipe(apply);
const inputsOf = (salt: number, withStep?: number) => {
  const { tokens, loss_mask } = tokenBatch(4, 8, 16, salt);
  const m = new Map<string, Int32Array | Float32Array>([
    ['tokens', tokens],
    ['loss_mask', loss_mask],
  ]);
  if (withStep !== undefined) m.set('step', Int32Array.of(withStep));
  return m;
};

// name, apply statement, names it trains, has merge rules, start tolerance (0 = exact)
const cases: [string, string, RegExp, boolean, number][] = [
  ['adapter', 'apply adapter(size: 4)', /\.mlp\.adapter\./, false, 0],
  ['ia3', 'apply ia3', /\.ia3_scale$/, true, 0],
  ['rslora', 'apply rslora(r: 4, targets: "blocks.*.attn.{q,v}")', /\.lora_[ab]$/, true, 0],
  // DoRA's start is base(x) rescaled by ||W|| / ||W|| = 1 up to rounding.
  ['dora', 'apply dora(r: 4, targets: "blocks.*.attn.{q,v}")', /\.(lora_[ab]|magnitude)$/, true, 1e-5],
];

describe.each(cases)('%s', (_name, apply, own, merges, tol) => {
  it('starts as the base model exactly and trains only its own tensors', () => {
    const base = forward(recipe(''));
    const peft = forward(recipe(apply));
    const pb = base.initialValues(1);
    const pp = peft.initialValues(1);
    const yb = evaluate(base.graph, { params: pb, inputs: inputsOf(0) }).outputs.output;
    const yp = evaluate(peft.graph, { params: pp, inputs: inputsOf(0) }).outputs.output;
    if (tol === 0) expect(Array.from(yp)).toEqual(Array.from(yb));
    else yp.forEach((v, i) => expect(Math.abs(v - yb[i])).toBeLessThan(tol * (1 + Math.abs(yb[i]))));
    const b = train(recipe(apply));
    const t = b.params.filter((p) => p.trainable).map((p) => p.name);
    expect(t.length).toBeGreaterThan(0);
    for (const n of t) expect(n).toMatch(own);
  });

  it(
    merges
      ? 'merges into the base weights with the same outputs'
      : 'has no merge rule: export keeps the base weights as trained',
    () => {
      const b = train(recipe(apply));
      const store: Store = b.initialValues(2);
      for (let s = 1; s <= 3; s++) step(b.graph, store, inputsOf(s, s));
      const merged = mergedParams(b.tree, store);
      if (!merges) {
        // Inserted modules cannot be folded into a base weight: every base weight is exported
        // exactly as it is in the store, and the adapter's own tensors are not in the merge.
        expect(merged.size).toBeGreaterThan(0);
        for (const [name, v] of merged) {
          expect(name).not.toMatch(own);
          expect(Array.from(v)).toEqual(Array.from(store.get(name) as Float32Array));
        }
        return;
      }
      const y = evaluate(forward(recipe(apply)).graph, { params: store, inputs: inputsOf(9) }).outputs.output;
      const ym = evaluate(forward(recipe('')).graph, { params: merged, inputs: inputsOf(9) }).outputs.output;
      const y0 = evaluate(forward(recipe('')).graph, { params: store, inputs: inputsOf(9) }).outputs.output;
      let diff = 0;
      let moved = 0;
      for (let i = 0; i < y.length; i++) {
        diff = Math.max(diff, Math.abs(y[i] - ym[i]));
        moved = Math.max(moved, Math.abs(y[i] - y0[i]));
      }
      expect(diff).toBeLessThan(1e-5);
      expect(moved).toBeGreaterThan(1e-4);
    },
  );
});
