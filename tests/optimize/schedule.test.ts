// Update reordering: the early schedule is a valid order, writes updates in place only when
// every other reader of the old value has run, computes exactly what the naive schedule
// computes (simulated with in-place writes), and keeps fewer bytes alive.
import { describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import type { Graph, Update } from '../../compiler/ir/graph.ts';
import { mk, numel, type Node } from '../../compiler/ir/node.ts';
import {
  peakTemporaryBytes,
  scheduleEarlyUpdates,
  scheduleNaive,
  type Schedule,
} from '../../compiler/optimize/schedule.ts';
import { evaluate, evaluateNodes, type TypedArray } from '../../runtime/cpu/index.ts';

const c = (v: number, shape: number[]) => mk('const', [], { value: v }, { shape });
const param = (name: string, shape: number[], role: 'param' | 'state' = 'param') =>
  mk('param', [], { name, role }, { shape });

/** 3-layer tanh MLP, squared error, SGD with momentum: (B, 16) -> 24 -> 24 -> 4. */
function mlpTrainingGraph(): Graph {
  const B = 5;
  const x = mk('input', [], { name: 'x' }, { shape: [B, 16] });
  const y = mk('input', [], { name: 'y' }, { shape: [B, 4] });
  const dims = [16, 24, 24, 4];
  const ws = dims.slice(1).map((d, i) => param(`w${i}`, [dims[i], d]));
  let h: Node = x;
  ws.forEach((w, i) => {
    h = mk('matmul', [h, w], null);
    if (i < ws.length - 1) h = mk('tanh', [h], null);
  });
  const diff = mk('sub', [h, y], null);
  const loss = mk('reshape', [mk('reduce_sum', [mk('mul', [diff, diff], null)], { axes: [0, 1] })], {
    shape: [],
  });
  const grads = grad(loss, ws);
  const updates: Update[] = [];
  for (const [i, w] of ws.entries()) {
    const m = param(`m${i}`, [...w.shape], 'state');
    const g = grads.get(w)!;
    const mNew = mk('add', [mk('mul', [c(0.9, [...w.shape]), m], null), g], null);
    updates.push({ target: m, value: mNew });
    updates.push({ target: w, value: mk('sub', [w, mk('mul', [c(0.01, [...w.shape]), mNew], null)], null) });
  }
  return { outputs: { loss }, updates };
}

/** Run a schedule as a device would: param leaves read the buffer's current contents. */
function simulate(g: Graph, s: Schedule, store: Map<string, TypedArray>, inputs: Map<string, TypedArray>) {
  const val = new Map<Node, TypedArray>();
  const read = (n: Node): TypedArray =>
    n.op === 'param'
      ? store.get((n.arg as { name: string }).name)!
      : n.op === 'input'
        ? inputs.get((n.arg as { name: string }).name)!
        : (val.get(n) ?? evaluateNodes([n], { params: store })[0]); // consts and iotas are not scheduled
  const inPlace = new Map([...s.inPlace].map((u) => [u.value, u]));
  for (const n of s.order) {
    // Evaluate one node by standing fresh inputs in for its operands.
    const stand = n.src.map((src, i) =>
      mk('input', [], { name: `__${i}` }, { shape: [...src.shape], dtype: src.dtype }),
    );
    const leafOnly =
      n.src.length === 0 || n.op === 'rand'
        ? n
        : mk(n.op, stand, n.arg as never, { shape: [...n.shape], dtype: n.dtype });
    const env = new Map(n.src.map((src, i) => [`__${i}`, read(src)]));
    const [v] = evaluateNodes([leafOnly], { params: store, inputs: env });
    val.set(n, v);
    const u = inPlace.get(n);
    if (u) store.set(u.target.arg.name, v);
  }
  for (const u of g.updates) if (!s.inPlace.has(u)) store.set(u.target.arg.name, val.get(u.value)!);
  return val.get(g.outputs.loss)!;
}

function randomStore(g: Graph, seed: number): Map<string, TypedArray> {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.6;
  const store = new Map<string, TypedArray>();
  for (const u of g.updates)
    store.set(u.target.arg.name, Float32Array.from({ length: numel(u.target.shape) }, r));
  return store;
}

describe('scheduleEarlyUpdates', () => {
  const g = mlpTrainingGraph();
  const early = scheduleEarlyUpdates(g);
  const naive = scheduleNaive(g);

  it('is a topological order of the same nodes', () => {
    const pos = new Map(early.order.map((n, i) => [n, i]));
    expect(new Set(early.order)).toEqual(new Set(naive.order));
    for (const n of early.order)
      for (const s of n.src) if (pos.has(s)) expect(pos.get(s)!).toBeLessThan(pos.get(n)!);
  });

  it('writes every update in place, after all other readers of the old value', () => {
    expect(early.inPlace.size).toBe(g.updates.length);
    const pos = new Map(early.order.map((n, i) => [n, i]));
    for (const u of early.inPlace)
      for (const n of early.order)
        if (n.src.includes(u.target)) expect(pos.get(n)!).toBeLessThanOrEqual(pos.get(u.value)!);
  });

  it('computes the same step as evaluate() when run with in-place writes', () => {
    let s = 7;
    const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
    const inputs = new Map<string, TypedArray>([
      ['x', Float32Array.from({ length: 5 * 16 }, r)],
      ['y', Float32Array.from({ length: 5 * 4 }, r)],
    ]);
    const ref = randomStore(g, 3);
    const sim = randomStore(g, 3);
    for (let step = 0; step < 3; step++) {
      const want = evaluate(g, { params: ref, inputs });
      for (const [k, v] of want.updates) ref.set(k, v);
      const loss = simulate(g, early, sim, inputs);
      expect(loss[0]).toBeCloseTo(want.outputs.loss[0], 5);
    }
    for (const [k, v] of ref) expect(Array.from(sim.get(k)!)).toEqual(Array.from(v));
  });

  it('keeps fewer temporary bytes alive than updating at the end', () => {
    const [e, n] = [peakTemporaryBytes(g, early), peakTemporaryBytes(g, naive)];
    expect(e).toBeLessThan(n);
  });
});
