// LocFT-BF (stdlib/methods/locft.ftl): only the configured module of the configured layers
// (negative indices from the end) changes after training; CPU and WebGPU. Breadth-first
// order: with `shuffle |> batch`, every epoch visits each edit (an 8-byte chunk, cut here
// from the file's text) exactly once, in mini-batches, in a shuffled order that changes
// between epochs. Depth-first contrast: with `repeat_each(3) |> batch(1)` the loader gives
// edit i three steps in a row, in file order, before edit i + 1 (each edit 3 times per epoch).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFeeder } from '../../runtime/train/feed.ts';
import { build, changed, runCpu, values, webgpuChangesLikeCpu } from './helpers.ts';

const b = build(`
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locft
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 3)
  data = text("x.txt") |> chunks(seq: 8) |> shuffle(seed: 0) |> batch(2)
  apply locft(layers: [0, -1], tensors: "mlp.proj.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`);
const want = ['blocks.0.mlp.proj.weight', 'blocks.2.mlp.proj.weight'];

describe('locft', () => {
  it('changes only the configured module of the configured layers', () => {
    expect(b.params.filter((p) => p.trainable).map((p) => p.name)).toEqual(want);
    expect(changed(values(b, new Map(b.initialValues(0))), values(b, runCpu(b, 2).store))).toEqual(want);
  });

  const text = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-';
  // The 8 edits: consecutive 8-byte chunks of the file (the byte tokenizer's ids are the bytes).
  const edits = Array.from({ length: 8 }, (_, i) => text.slice(8 * i, 8 * i + 8));
  /** The feeder of an edit recipe whose pipeline after `chunks(seq: 8)` is `order`. */
  const editFeeder = (order: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-locft-'));
    writeFileSync(join(dir, 'edits.txt'), text);
    const eb = build(`
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locft
recipe r {
  model = gpt2(vocab: 256, ctx: 8, d: 16, heads: 2, layers: 3)
  data = text("edits.txt") |> tokenize("bytes") |> chunks(seq: 8) |> ${order}
  apply locft(layers: [0, -1], tensors: "mlp.proj.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 8)
}`);
    const f = openFeeder(eb.dataSpec, dir);
    if (!f.ok) throw new Error(f.diagnostics.map((d) => d.message).join('\n'));
    return f.value;
  };
  const rowText = (t: Int32Array, r: number) => String.fromCharCode(...t.subarray(8 * r, 8 * r + 8));

  it('breadth-first: each epoch visits every edit once, in shuffled mini-batches', () => {
    const f = editFeeder('shuffle(seed: 0) |> batch(2)');
    const epochs: string[][] = [];
    for (let e = 0; e < 2; e++) {
      const order: string[] = [];
      for (let s = 4 * e + 1; s <= 4 * e + 4; s++) {
        const t = f.feed(s).tokens as Int32Array; // [2, 8]: a mini-batch of two edits
        expect(t.length).toBe(16);
        for (let r = 0; r < 2; r++) order.push(rowText(t, r));
      }
      expect([...order].sort()).toEqual([...edits].sort());
      expect(order).not.toEqual(edits);
      epochs.push(order);
    }
    expect(epochs[1]).not.toEqual(epochs[0]);
  });

  it('depth-first: repeat_each(3) gives each edit 3 consecutive steps before the next', () => {
    const f = editFeeder('repeat_each(3) |> batch(1)');
    // Two epochs of 8 edits x 3 repeats: steps 1..48, one edit (row) per step.
    const seen = Array.from({ length: 48 }, (_, s) => rowText(f.feed(s + 1).tokens as Int32Array, 0));
    const want = [...edits, ...edits].flatMap((e) => [e, e, e]);
    expect(seen).toEqual(want);
    // Resuming mid-repeat (after step 5: edit 1 has one copy left) continues the same order.
    const g = editFeeder('repeat_each(3) |> batch(1)');
    for (let s = 1; s <= 5; s++) g.feed(s);
    const pos = JSON.parse(JSON.stringify(g.loader!.position()));
    const h = editFeeder('repeat_each(3) |> batch(1)');
    expect(h.loader!.restore(pos).ok).toBe(true);
    const resumed = Array.from({ length: 7 }, (_, i) => rowText(h.feed(6 + i).tokens as Int32Array, 0));
    expect(resumed).toEqual(want.slice(5, 12));
  });

  webgpuChangesLikeCpu(
    'changes the same tensors as the CPU',
    () => b,
    () => want,
  );
});
