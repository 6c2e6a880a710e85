// LoRA from stdlib/methods/lora.ftl: with B = 0 the model's output equals the base model's
// exactly, only the adapters train, and one step changes nothing but adapter tensors.
import { describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { forward, gptRecipe, tokenBatch, train, type Store } from './helpers.ts';

const LORA = 'apply lora(r: 4, alpha: 8.0, targets: "blocks.*.attn.{q,v}")';

describe('lora', () => {
  it('with B = 0 gives exactly the base model output', () => {
    const base = forward(gptRecipe(''));
    const lora = forward(gptRecipe(LORA));
    const { tokens, loss_mask } = tokenBatch(4, 8, 16);
    const inputs = new Map<string, Int32Array | Float32Array>([
      ['tokens', tokens],
      ['loss_mask', loss_mask],
    ]);
    const pb = base.initialValues(3);
    const pl = lora.initialValues(3);
    // Base weights do not depend on which adapters exist (init streams are per name).
    for (const [k, v] of pb) expect(pl.get(k)).toEqual(v);
    const yb = evaluate(base.graph, { params: pb, inputs }).outputs.output;
    const yl = evaluate(lora.graph, { params: pl, inputs }).outputs.output;
    expect(Array.from(yl)).toEqual(Array.from(yb));
    // The adapters are real: a nonzero B changes the output.
    const names = lora.params.filter((p) => p.name.endsWith('lora_b')).map((p) => p.name);
    expect(names).toEqual([
      'blocks.0.attn.q.lora_b',
      'blocks.0.attn.v.lora_b',
      'blocks.1.attn.q.lora_b',
      'blocks.1.attn.v.lora_b',
      'blocks.2.attn.q.lora_b',
      'blocks.2.attn.v.lora_b',
    ]);
    const pl2 = new Map(pl);
    pl2.set(
      names[0],
      pl.get(names[0])!.map((_, i) => 0.1 * Math.sin(i + 1)),
    );
    const y2 = evaluate(lora.graph, { params: pl2, inputs }).outputs.output;
    expect(Array.from(y2)).not.toEqual(Array.from(yb));
  });

  it('trains only the adapters: one step changes only LoRA tensors', () => {
    const b = train(gptRecipe(LORA));
    const trainable = b.params.filter((p) => p.trainable).map((p) => p.name);
    expect(trainable.length).toBe(12);
    expect(trainable.every((n) => /\.lora_[ab]$/.test(n))).toBe(true);
    // Optimizer state exists for the adapters only.
    expect(
      b.params
        .filter((p) => p.role === 'state')
        .map((p) => p.param)
        .every((n) => /\.lora_[ab]$/.test(n)),
    ).toBe(true);
    const store: Store = b.initialValues(1);
    const before = new Map([...store].map(([k, v]) => [k, Float32Array.from(v as Float32Array)]));
    const { tokens, loss_mask } = tokenBatch(4, 8, 16);
    step(
      b.graph,
      store,
      new Map<string, Int32Array | Float32Array>([
        ['tokens', tokens],
        ['loss_mask', loss_mask],
        ['step', Int32Array.of(1)],
      ]),
    );
    let changedB = 0;
    for (const p of b.params.filter((q) => q.role === 'param')) {
      const same = Array.from(store.get(p.name)!).every((v, i) => v === before.get(p.name)![i]);
      if (!/lora_/.test(p.name)) expect(same, p.name).toBe(true);
      if (p.name.endsWith('lora_b') && !same) changedB++;
    }
    expect(changedB).toBe(6);
  });

  it('merge folds the trained adapters into the base weights: same outputs within 1e-5', () => {
    const b = train(gptRecipe(LORA));
    const store: Store = b.initialValues(2);
    for (let s = 1; s <= 3; s++) {
      const { tokens, loss_mask } = tokenBatch(4, 8, 16, s);
      step(
        b.graph,
        store,
        new Map<string, Int32Array | Float32Array>([
          ['tokens', tokens],
          ['loss_mask', loss_mask],
          ['step', Int32Array.of(s)],
        ]),
      );
    }
    expect(b.tree.merges.length).toBe(6);
    const merged = mergedParams(b.tree, store);
    expect([...merged.keys()].some((k) => k.includes('lora'))).toBe(false);
    const { tokens, loss_mask } = tokenBatch(4, 8, 16, 9);
    const inputs = new Map<string, Int32Array | Float32Array>([
      ['tokens', tokens],
      ['loss_mask', loss_mask],
    ]);
    const withAdapters = evaluate(forward(gptRecipe(LORA)).graph, { params: store, inputs }).outputs.output;
    const plain = evaluate(forward(gptRecipe('')).graph, { params: merged, inputs }).outputs.output;
    const unmerged = evaluate(forward(gptRecipe('')).graph, { params: store, inputs }).outputs.output;
    let maxDiff = 0;
    let moved = 0;
    for (let i = 0; i < plain.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(plain[i] - withAdapters[i]));
      moved = Math.max(moved, Math.abs(unmerged[i] - withAdapters[i]));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-4); // the adapters did change the model
  });
});
