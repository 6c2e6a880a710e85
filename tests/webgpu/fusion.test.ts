// Fusion decisions (kernel counts, bindings per kernel) and their correctness on WebGPU:
// elementwise chains fuse into one kernel, a reduction absorbs its input chain, shared
// values are materialized once, kernels respect a small storage-buffer limit, and grids
// beyond the workgroups-per-dimension limit go 2-D.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { lowerToPlan, type PlanLimits } from '../../compiler/plan/lower.ts';
import { dispatchCount } from '../../compiler/plan/plan.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { Builder, bin, c, un } from './cases.ts';
import { gpu, mismatch, runBoth } from './harness.ts';
import { mlp } from './mlp-graph.ts';

const LIMITS: PlanLimits = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 1 << 27,
  maxBufferSize: 1 << 30,
};
// Vertical fusion alone (no merging of independent kernels into one dispatch).
const count = (g: Graph, limits = LIMITS) =>
  dispatchCount(lowerToPlan(g, limits, { fuse: true, merge: false }));

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

async function agree(g: Graph, b: Builder, limits?: Partial<PlanLimits>, floor = 1e-30) {
  const dev = { ...h, limits: { ...h.limits, ...limits } };
  const r = await runBoth(dev, g, b.params, b.inputs, { fuse: true, merge: false });
  for (const name of Object.keys(g.outputs)) {
    const m = mismatch(r.gpu[name], r.cpu[name], 1e-5, floor);
    expect(m.worst, `${name}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
  }
  return r;
}

describe('fusion', () => {
  it('an elementwise chain with movement ops is one kernel', async () => {
    const b = new Builder();
    const [x, y, z] = [b.param('x', [33, 7]), b.param('y', [7, 33]), b.param('z', [1, 7])];
    const yt = mk('permute', [y], { perm: [1, 0] });
    const out = un('exp', bin('add', bin('mul', x, yt), mk('expand', [z], { shape: [33, 7] })));
    const g = { outputs: { out }, updates: [] };
    expect(count(g)).toBe(1);
    const r = await agree(g, b);
    expect(r.plan.kernels[0].bindings.length).toBe(4);
  });

  it('a reduction absorbs its input chain; a shared value is computed once unless cheap', async () => {
    const b = new Builder();
    const x = b.param('x', [257, 3]);
    const e = un('exp', x); // cost 4: recomputed by each consumer
    const t = un('tanh', un('exp', un('sin', x))); // cost 12: materialized once
    const k = (v: number) => c(v, [257, 3]);
    const g = {
      outputs: {
        s: mk('reduce_sum', [bin('mul', x, x)], { axes: [0] }),
        a: bin('add', e, k(1)),
        m: bin('mul', e, k(2)),
        ta: bin('add', t, k(1)),
        tm: bin('mul', t, k(2)),
      },
      updates: [],
    };
    // s (fused square), a, m (each recomputing exp), and one kernel writing t, ta and tm
    // (tanh(exp(sin x)) computed once, in registers).
    expect(count(g)).toBe(4);
    const r = await agree(g, b, {}, 1);
    expect(
      r.plan.kernels.map((k) => k.bindings.filter((x) => x.access === 'read_write').length).sort(),
    ).toEqual([1, 1, 1, 3]);
  });

  it('matmul epilogues: bias + activation, and an SGD update, run in the matmul kernel', async () => {
    const b = new Builder();
    const x = b.param('x', [33, 20]);
    const w = b.param('w', [20, 12]);
    const bias = b.param('bias', [1, 12]);
    const y = un('tanh', bin('add', mk('matmul', [x, w], null), mk('expand', [bias], { shape: [33, 12] })));
    const g2 = mk('matmul', [mk('permute', [x], { perm: [1, 0] }), y], null); // (20, 12), scalar template
    const upd = bin('sub', w, bin('mul', g2, c(0.1, [20, 12])));
    const g = { outputs: { y, upd }, updates: [] };
    for (const matmul of ['register', 'scalar', 'tiled'] as const) {
      const plan = lowerToPlan(g, LIMITS, { fuse: true, matmul, merge: false });
      expect(plan.kernels.map((k) => k.name.split('_')[0])).toEqual(['tanh', 'sub']);
      const r = await runBoth(h, g, b.params, b.inputs, { fuse: true, matmul, merge: false });
      for (const name of ['y', 'upd']) {
        const m = mismatch(r.gpu[name], r.cpu[name], 1e-5, 8);
        expect(m.worst, `${matmul} ${name}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('the MLP training step: fewer kernels than ops', () => {
    const g = mlp();
    const fused = count(g);
    const unfused = dispatchCount(lowerToPlan(g, LIMITS, { fuse: false }));
    expect(fused).toBeLessThanOrEqual(17);
    expect(unfused).toBeGreaterThan(2 * fused);
  });

  it('an Adam-style update of a parameter (m, v, weight) is one multi-output kernel', async () => {
    const b = new Builder();
    const sh = [33, 7];
    const k = (v: number) => c(v, sh);
    const state = (name: string) => mk('param', [], { name, role: 'state' }, { shape: sh });
    const [p, gr] = [b.param('p', sh), b.param('g', sh)];
    const [m, v] = [state('m'), state('v')];
    b.params.set('m', new Float32Array(33 * 7));
    b.params.set('v', new Float32Array(33 * 7));
    const m2 = bin('add', bin('mul', m, k(0.9)), bin('mul', gr, k(0.1)));
    const v2 = bin('add', bin('mul', v, k(0.99)), bin('mul', bin('mul', gr, gr), k(0.01)));
    const p2 = bin('sub', p, bin('mul', k(0.01), bin('div', m2, bin('add', un('sqrt', v2), k(1e-8)))));
    const g = {
      outputs: {},
      updates: [
        { target: m, value: m2 },
        { target: v, value: v2 },
        { target: p as never, value: p2 },
      ],
    };
    expect(count(g)).toBe(1);
    const r = await runBoth(h, g, b.params, b.inputs, { fuse: true, merge: false });
    for (const name of ['update:m', 'update:v', 'update:p']) {
      const mm = mismatch(r.gpu[name], r.cpu[name], 1e-5, 1e-3);
      expect(mm.worst, `${name}: gpu ${mm.g} vs cpu ${mm.c} at ${mm.at}`).toBeLessThanOrEqual(1);
    }
  });

  it('independent kernels merge into one dispatch; dependent ones stay ordered', async () => {
    const b = new Builder();
    const xs = [b.param('a', [257, 3]), b.param('b', [33]), b.param('c', [7, 1031])];
    const w = b.param('w', [3, 8]);
    const outputs: Record<string, Node> = {
      ea: un('exp', xs[0]),
      sb: mk('reduce_sum', [un('tanh', xs[1])], { axes: [0] }), // tree template
      mc: mk('reduce_max', [xs[2]], { axes: [1] }), // serial template
      mm: mk('matmul', [xs[0], w], null), // vec4 register template
    };
    // Depends on sb: must run in a later dispatch.
    outputs.dep = bin('mul', xs[1], mk('expand', [outputs.sb], { shape: [33] }));
    const g = { outputs, updates: [] };
    const limits16 = { ...LIMITS, maxStorageBuffersPerShaderStage: 16 };
    const merged = lowerToPlan(g, limits16, { fuse: true, reduce: 'auto' });
    expect(dispatchCount(lowerToPlan(g, LIMITS, { fuse: true, merge: false, reduce: 'auto' }))).toBe(5);
    // sb first; then ea, mc, mm (placed as late as possible) with dep, sharing a's binding.
    expect(merged.kernels.map((k) => k.name.split('+').length)).toEqual([1, 4]);
    for (const k of merged.kernels) expect(k.bindings.length).toBeLessThanOrEqual(16);
    const dev = { ...h, limits: { ...h.limits, maxStorageBuffersPerShaderStage: 16 } };
    // 'auto' as above: serial reductions would take `dep` into sb's row kernel (row-groups.ts).
    const r = await runBoth(dev, g, b.params, b.inputs, { fuse: true, reduce: 'auto' });
    expect(r.dispatches).toBe(2);
    for (const name of Object.keys(outputs)) {
      const m = mismatch(r.gpu[name], r.cpu[name], 1e-5, 2);
      expect(m.worst, `${name}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
    }
  });

  it('a value read by several kernels whose region reads many buffers is written once', async () => {
    // A residual stream: x0 + a1 + ... + a7 (8 buffers) read by two row sums. Inlined, each
    // reader would bind all 8 buffers; written once (fuse.ts shared reads), each binds one.
    const b = new Builder();
    const parts = Array.from({ length: 8 }, (_, i) => b.param(`a${i}`, [13, 37]));
    const res = parts.reduce((acc, p) => bin('add', acc, p));
    const s1 = mk('reduce_sum', [res], { axes: [1] });
    const s2 = mk('reduce_max', [un('exp', res)], { axes: [0] });
    const g = { outputs: { s1, s2 }, updates: [] };
    const r = await agree(g, b);
    expect(r.plan.buffers.some((x) => x.name === `%${res.id}.add`)).toBe(true);
    for (const k of r.plan.kernels) if (/reduce/.test(k.name)) expect(k.bindings).toHaveLength(2);
    // Under the threshold (three buffers) the sum stays inlined in both readers.
    const small = [0, 1, 2].map((i) => b.param(`s${i}`, [13, 37])).reduce((acc, p) => bin('add', acc, p));
    const g2 = {
      outputs: { t1: mk('reduce_sum', [small], { axes: [1] }), t2: mk('reduce_sum', [small], { axes: [0] }) },
      updates: [],
    };
    expect(
      lowerToPlan(g2, LIMITS, { fuse: true, merge: false }).buffers.some(
        (x) => x.name === `%${small.id}.add`,
      ),
    ).toBe(false);
  });

  it('no kernel reads more buffers than the device allows', async () => {
    const b = new Builder();
    const xs: Node[] = Array.from({ length: 20 }, (_, i) => b.param(`x${i}`, [33]));
    const sum = xs.reduce((acc, x) => bin('add', acc, un('tanh', x)));
    const g = { outputs: { sum }, updates: [] };
    const small = { ...LIMITS, maxStorageBuffersPerShaderStage: 4 };
    const plan = lowerToPlan(g, small, { fuse: true });
    for (const k of plan.kernels) expect(k.bindings.length).toBeLessThanOrEqual(4);
    expect(plan.kernels.length).toBeGreaterThan(1);
    await agree(g, b, { maxStorageBuffersPerShaderStage: 4 });
  });

  it('grids beyond the per-dimension limit dispatch in 2-D and 3-D (forced small limit)', async () => {
    const b = new Builder();
    const x = b.param('x', [3, 1031]);
    const xe = b.param('xe', [13001]);
    const a = b.param('a', [260, 33]);
    const w = b.param('w', [33, 70]);
    const g = {
      outputs: {
        e: un('exp', xe),
        s: mk('reduce_sum', [x], { axes: [0] }),
        t: mk('reduce_sum', [x], { axes: [1] }),
        mm: mk('matmul', [a, w], null),
      },
      updates: [],
    };
    for (const matmul of ['register', 'tiled'] as const)
      for (const reduce of ['serial', 'workgroup'] as const) {
        const dev = { ...h, limits: { ...h.limits, maxComputeWorkgroupsPerDimension: 11 } };
        const r = await runBoth(dev, g, b.params, b.inputs, { fuse: true, matmul, reduce, merge: false });
        expect(r.plan.kernels.some((k) => k.dispatch[1] > 1)).toBe(true);
        expect(r.plan.kernels.some((k) => k.dispatch[2] > 1)).toBe(true);
        expect(r.plan.kernels.find((k) => k.name.startsWith('matmul'))!.dispatch[1]).toBeGreaterThan(1);
        for (const name of Object.keys(g.outputs)) {
          const m = mismatch(r.gpu[name], r.cpu[name], 1e-5, 32);
          expect(
            m.worst,
            `${matmul}/${reduce} ${name}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`,
          ).toBeLessThanOrEqual(1);
        }
      }
  });

  it('a real dispatch of more than 65,535 workgroups', async () => {
    const b = new Builder();
    const x = b.param('x', [4_200_001]);
    const g = { outputs: { y: bin('mul', x, c(3, [4_200_001])) }, updates: [] };
    const r = await agree(g, b);
    expect(r.plan.kernels[0].dispatch[1]).toBeGreaterThan(1);
  });
});
