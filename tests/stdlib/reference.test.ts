// reference(model): a frozen copy of the model as training starts (DPO, KL-regularised
// SFT). It starts equal to the model (KL 0), never changes, and follows method wrappers.
import { describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import { tokenBatch, train, type Store } from './helpers.ts';

const recipe = (loss: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lora
loss sft_kl(model, batch, beta: float = 0.5) {
  let logits = model(batch.tokens)
  let ce = cross_entropy(logits[:, :-1], batch.tokens[:, 1:], mask: batch.loss_mask[:, 1:])
  return ce + beta * kl_div(logits, reference(model)(batch.tokens))
}
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(4)
  apply lora(r: 2, targets: "blocks.*.attn.{q,v}")
  loss = ${loss}
  optim = adamw(lr: 3e-2)
  train(steps: 5)
}`;

const feed = (s: number) => {
  const { tokens, loss_mask } = tokenBatch(4, 8, 16, s);
  return new Map<string, Int32Array | Float32Array>([
    ['tokens', tokens],
    ['loss_mask', loss_mask],
    ['step', Int32Array.of(s)],
  ]);
};

describe('reference(model)', () => {
  it('is a frozen copy: KL 0 at the start, unchanged by training, positive after', () => {
    const kl = train(recipe('sft_kl'));
    const plain = train(recipe('causal_lm'));
    const refs = kl.params.filter((p) => p.reference);
    // Every model parameter (LoRA adapters included) has a frozen copy under `ref.`.
    expect(refs.map((p) => p.name).sort()).toEqual(
      plain.params
        .filter((p) => p.role === 'param')
        .map((p) => `ref.${p.name}`)
        .sort(),
    );
    expect(refs.every((p) => !p.trainable)).toBe(true);
    const store: Store = kl.initialValues(0);
    for (const p of refs) expect(store.get(p.name)).toEqual(store.get(p.name.slice(4)));
    const before = new Map(refs.map((p) => [p.name, Float32Array.from(store.get(p.name) as Float32Array)]));
    // Step 1: the model equals its reference, so the loss is the plain cross-entropy.
    const ce = evaluate(plain.graph, { params: plain.initialValues(0), inputs: feed(1) }).outputs.loss[0];
    const l1 = step(kl.graph, store, feed(1)).loss[0];
    expect(Math.abs(l1 - ce)).toBeLessThan(1e-6);
    for (let s = 2; s <= 4; s++) step(kl.graph, store, feed(s));
    for (const p of refs) expect(store.get(p.name)).toEqual(before.get(p.name));
    // The adapters moved away from the reference: the KL term is now positive.
    const after = evaluate(kl.graph, { params: store, inputs: feed(5) }).outputs.loss[0];
    const storeNoKl = new Map(store);
    for (const p of refs) storeNoKl.set(p.name, store.get(p.name.slice(4))!);
    const same = evaluate(kl.graph, { params: storeNoKl, inputs: feed(5) }).outputs.loss[0];
    expect(after - same).toBeGreaterThan(1e-6);
  });
});
