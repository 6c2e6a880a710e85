// Bit-packed bool temporaries (compiler/codegen/bool-layout.ts): a comparison materialized
// as a temp is stored 32 elements to a u32 word when an elementwise kernel writes it, and
// read back bit by bit by later kernels (elementwise, reductions, matmul epilogues, through
// reshape/permute). Every case runs on WebGPU against the CPU reference executor with fresh
// random inputs on awkward sizes (1, 31, 32, 33, 1000, 4097), with every buffer poisoned so a
// word the writer forgets (or half-writes) fails. Also checked: the packed buffer's size
// (ceil(n/32) words), its bit layout (bit i & 31 of word i >> 5, decoded from the raw buffer
// against the CPU's mask), and that a writer that cannot write whole words (a matmul
// epilogue) keeps the temp as i32 0/1. A mask written by a row kernel is checked against
// the CPU and for a size that matches how its kernels bind it (i32 today; packed words
// once the row kernel writes whole words, scratch/packbool/row-kernel.patch).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk, numel, type Node } from '../../compiler/ir/node.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import type { Plan, PlanBuffer } from '../../compiler/plan/plan.ts';
import { lowerToPlan, type LowerOptions } from '../../compiler/plan/lower.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu, mismatch, poison, randomF32, runBoth } from './harness.ts';
import { bin, c, cast, un } from './cases.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

let seed = Date.now() % 100000;
const SIZES = [1, 31, 32, 33, 1000, 4097];

const param = (name: string, shape: number[], params: Map<string, TypedArray>) => {
  params.set(name, randomF32(numel(shape), seed++, -1.5, 1.5));
  return mk('param', [], { name, role: 'param' }, { shape });
};
const where = (m: Node, a: Node, b: Node) => mk('where', [m, a, b], null);
const sum0 = (x: Node) => mk('reduce_sum', [x], { axes: [0] });
/** Five transcendentals (fusion cost 20). */
const heavy = (v: Node) => un('tanh', un('exp', un('sin', un('exp', un('cos', v)))));
/** A comparison too costly to recompute per consumer (cost 41 > the fusion's bars): materialized. */
const mask = (x: Node, y: Node) => bin('lt', heavy(x), heavy(y));

/** The graph's bool temp buffers (one per materialized comparison). */
const boolTemps = (plan: Plan): PlanBuffer[] =>
  plan.buffers.filter((b) => b.role === 'temp' && b.dtype === 'bool');
const words = (n: number) => Math.max(4, Math.ceil(n / 32) * 4);

function expectSame(r: { gpu: Record<string, TypedArray>; cpu: Record<string, TypedArray> }, what: string) {
  for (const name of Object.keys(r.cpu)) {
    const m = mismatch(r.gpu[name], r.cpu[name], 1e-5, 1);
    expect(m.worst, `${what} ${name}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
  }
}

/**
 * m = x-ish < y-ish on [n]; read by a reduction, by an elementwise kernel of another shape
 * (through a reshape), and written together with an f32 output (a mixed multi-output group).
 */
function maskGraph(n: number) {
  const params = new Map<string, TypedArray>();
  const x = param('x', [n], params);
  const y = param('y', [n], params);
  const m = mask(x, y);
  const outputs = {
    picked: where(m, x, y), // same shape as m: joins m's kernel (bool packed + f32 written together)
    count: sum0(cast(m, 'f32')), // the reduction template reads the packed words
    scaled: bin('mul', cast(mk('reshape', [m], { shape: [1, n] }), 'f32'), c(3, [1, n])),
  };
  return { graph: { outputs, updates: [] } as Graph, params, m };
}

describe('packed bool temps vs CPU', () => {
  for (const n of SIZES)
    it(`mask of ${n}: reduction, reshape reader, multi-output group`, async () => {
      const { graph, params } = maskGraph(n);
      const r = await runBoth(h, graph, params);
      expectSame(r, `n=${n} seed~${seed}`);
      const [b] = boolTemps(r.plan);
      expect(b.byteSize).toBe(words(n));
      const writer = r.plan.kernels.find((k) =>
        k.bindings.some((x) => x.buffer === b.id && x.name.startsWith('out')),
      );
      expect(writer!.name).toContain('_bits');
      // Every kernel binds it as words (u32), never as i32 elements.
      for (const k of r.plan.kernels)
        for (const x of k.bindings) if (x.buffer === b.id) expect(x.type).toBe('u32');
    });

  for (const n of [1, 33, 4097])
    it(`one kernel per op (no fusion, arena reuse) on ${n}`, async () => {
      // Every comparison, `and`-like product and where is its own kernel: packed writes, packed reads.
      const params = new Map<string, TypedArray>();
      const x = param('x', [n], params);
      const y = param('y', [n], params);
      const lt = bin('lt', x, y);
      const eq = bin('eq', lt, bin('lt', y, c(0.25, [n])));
      const outputs = { w: where(eq, x, c(-2, [n])), f: bin('mul', cast(lt, 'f32'), y) };
      const r = await runBoth(h, { outputs, updates: [] }, params, new Map(), {
        fuse: false,
        planMemory: true,
      });
      expectSame(r, `n=${n}`);
      const temps = boolTemps(r.plan);
      expect(temps.length).toBe(3); // lt, the second lt, eq
      for (const b of temps) expect(b.byteSize).toBe(words(n));
    });

  it('a transposed read of a packed [33, 65] mask and a matmul epilogue reading one', async () => {
    const params = new Map<string, TypedArray>();
    const x = param('x', [33, 65], params);
    const y = param('y', [33, 65], params);
    const a = param('a', [65, 7], params);
    const m = mask(x, y);
    const mt = mk('permute', [m], { perm: [1, 0] }); // [65, 33]
    const outputs = {
      t: where(mt, mk('permute', [y], { perm: [1, 0] }), c(0, [65, 33])),
      // matmul [33, 65] x [65, 7] with the mask (sliced to [33, 7]) applied to the accumulators
      e: where(
        mk('slice', [m], { starts: [0, 0], ends: [33, 7] }),
        mk('matmul', [x, a], null),
        c(1, [33, 7]),
      ),
      k: sum0(cast(m, 'f32')),
    };
    const r = await runBoth(h, { outputs, updates: [] }, params);
    expectSame(r, `seed~${seed}`);
    // The mask (and, where the fusion saves it, its [33, 7] slice) are packed.
    const temps = boolTemps(r.plan);
    expect(temps.map((b) => b.shape.join('x'))).toContain('33x65');
    for (const b of temps) expect(b.byteSize).toBe(words(numel(b.shape)));
  });

  it('a bool written by a matmul epilogue stays i32 0/1, and its readers agree', async () => {
    const params = new Map<string, TypedArray>();
    const a = param('a', [31, 5], params);
    const w = param('w', [5, 33], params);
    const z = param('z', [31, 33], params);
    // heavy(sin(exp(a @ w))) < 0.5: the matmul's single consumer chain, so its epilogue writes it.
    const m = bin('lt', heavy(un('sin', un('exp', mk('matmul', [a, w], null)))), c(0.5, [31, 33]));
    const outputs = {
      s: sum0(cast(m, 'f32')),
      v: where(
        mk('reshape', [m], { shape: [33, 31] }),
        c(2, [33, 31]),
        mk('reshape', [z], { shape: [33, 31] }),
      ),
    };
    const r = await runBoth(h, { outputs, updates: [] }, params);
    expectSame(r, `seed~${seed}`);
    const [b] = boolTemps(r.plan);
    expect(b.byteSize).toBe(31 * 33 * 4);
    const writer = r.plan.kernels.find((k) =>
      k.bindings.some((x) => x.buffer === b.id && x.name.startsWith('out')),
    );
    // The matmul template wrote it (it reads both operands), element by element.
    const operands = ['a', 'w'].map((p) => r.plan.params.find((x) => x.name === p)!.buffer);
    for (const id of operands) expect(writer!.bindings.map((x) => x.buffer)).toContain(id);
    expect(writer!.name).not.toContain('_bits');
    for (const k of r.plan.kernels)
      for (const x of k.bindings) if (x.buffer === b.id) expect(x.type).toBe('i32');
  });

  // A mask computed in a row kernel (row-groups.ts) from the row's mean: packed when the
  // row kernel writes whole words (rows of a multiple of 32 along the last axis), else i32.
  for (const [rows, w] of [
    [1, 32],
    [5, 64],
    [33, 33],
    [3, 96],
  ])
    it(`a mask written by a row kernel, [${rows}, ${w}]`, async () => {
      const params = new Map<string, TypedArray>();
      const x = param('x', [rows, w], params);
      const mean = bin('div', mk('reduce_sum', [x], { axes: [1] }), c(w, [rows, 1]));
      const m = bin(
        'lt',
        heavy(bin('sub', x, mk('expand', [mean], { shape: [rows, w] }))),
        c(0.5, [rows, w]),
      );
      const outputs = {
        k: sum0(cast(m, 'f32')),
        t: where(mk('permute', [m], { perm: [1, 0] }), c(1, [w, rows]), c(-1, [w, rows])),
      };
      const r = await runBoth(h, { outputs, updates: [] }, params);
      expectSame(r, `seed~${seed}`);
      const [b] = boolTemps(r.plan);
      const types = new Set(
        r.plan.kernels.flatMap((k) => k.bindings.filter((x) => x.buffer === b.id).map((x) => x.type)),
      );
      expect(types.size).toBe(1);
      expect(b.byteSize).toBe(types.has('u32') ? words(rows * w) : rows * w * 4);
    });

  it('packBools: false keeps every bool temp as i32 (same results)', async () => {
    const { graph, params } = maskGraph(1000);
    const r = await runBoth(h, graph, params, new Map(), { packBools: false });
    expectSame(r, `seed~${seed}`);
    expect(boolTemps(r.plan).map((b) => b.byteSize)).toEqual([4000]);
  });
});

describe('packed bool bit layout', () => {
  for (const n of [33, 4097])
    it(`bit i & 31 of word i >> 5 on ${n}`, async () => {
      const { graph, params, m } = maskGraph(n);
      const opts: LowerOptions = { isCPU: h.isCPU, planMemory: false };
      const plan = lowerToPlan(graph, h.limits, opts);
      const [b] = boolTemps(plan);
      const ex = await WebGPUExecutor.load(plan, h.device);
      try {
        poison(ex, plan);
        for (const [k, v] of params) ex.setParam(k, v as Float32Array);
        await ex.step();
        const raw = (await ex.readBuffers([b.id]))[0];
        expect(raw.length).toBe(Math.ceil(n / 32));
        const want = evaluate({ outputs: { m }, updates: [] }, { params, inputs: new Map() }).outputs.m;
        const got = Array.from({ length: n }, (_, i) => (raw[i >> 5] >>> (i & 31)) & 1);
        expect(got).toEqual(Array.from(want));
        // Bits past n in the last word are written as 0 (whole words, no stale poison).
        const last = raw[raw.length - 1] >>> 0;
        if (n % 32) expect(last >>> (n % 32)).toBe(0);
      } finally {
        ex.destroy();
      }
    });
});
