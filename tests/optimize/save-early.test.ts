// Save early (compiler/optimize/save-early.ts): a forward activation H [21, 97] is read early
// by the forward (tanh, then a matmul) and late, in the backward, only through a small
// value of it. With the rule the small value is materialized right after H, H's buffer dies
// in the forward, and the planned arena shrinks; WebGPU still equals the CPU reference
// executor on fresh random inputs. Cases:
//   slice: the S2FT pattern, a selected-channel weight gradient slice(H)^T @ dY;
//   mask:  a small elementwise result, the sign mask 0 < slice(H) of a bias gradient;
//   full-mask: the MobileTL pattern, 0 < H read late; saved only if a bool element takes
//          at most half the bytes of an f32 one (plan/bytes.ts tensorBytes);
//   whole: the slice case where the backward also reads all of H (w2's gradient H^T dU):
//          nothing is saved and the plan is unchanged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize } from '../../compiler/codegen/fuse.ts';
import { roots, toposort, type Graph } from '../../compiler/ir/graph.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { tensorBytes } from '../../compiler/plan/bytes.ts';
import type { Plan } from '../../compiler/plan/plan.ts';
import { planBytes } from '../../compiler/plan/plan.ts';
import { SAVE_EARLY } from '../../compiler/optimize/save-early.ts';
import { scheduleEarlyUpdates } from '../../compiler/optimize/schedule.ts';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu, mismatch, randomF32, runBoth } from '../webgpu/harness.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

const [R, D, W, O, K] = [21, 13, 97, 11, 5]; // rows, input width, H width, output width, kept
const c = (value: number, shape: number[], dtype: 'f32' | 'bool' = 'f32') =>
  mk('const', [], { value }, { shape, dtype });
const param = (name: string, shape: number[]) => mk('param', [], { name, role: 'param' }, { shape });
const mm = (a: Node, b: Node) => mk('matmul', [a, b], null);
const T = (a: Node) => mk('permute', [a], { perm: [1, 0] });
const slice = (a: Node, k: number) => mk('slice', [a], { starts: [0, 0], ends: [a.shape[0], k] });
const bin = (op: 'add' | 'sub' | 'mul' | 'lt', a: Node, b: Node) => mk(op, [a, b], null);
const sgd = (p: Node<'param'>, g: Node) => ({
  target: p,
  value: bin('sub', p, bin('mul', c(0.1, [...p.shape]), g)),
});

type Kind = 'slice' | 'mask' | 'full-mask' | 'whole';

/**
 * A three-layer step by hand (only w3 and the small value's own parameter train); returns
 * the graph, H, the node the backward reads H through and dY (the backward's first value).
 * The late read needs dU, so it comes after the big backward temps dZ and dP: without the
 * rule H is alive at the step's peak.
 */
function step(kind: Kind): { g: Graph; H: Node; small: Node; dy: Node } {
  const x = mk('input', [], { name: 'x' }, { shape: [R, D] });
  const [w1, w2, w3, w4] = [
    param('w1', [D, W]),
    param('w2', [W, O]),
    param('w3', [O, W]),
    param('w4', [W, O]),
  ];
  const tanh = (a: Node) => mk('tanh', [a], null);
  const H = tanh(mm(x, w1)); // [R, W]: the big activation
  const U = mm(H, w2); // [R, O]: H's forward reader
  const Z = tanh(mm(U, w3)); // [R, W]
  const y = mm(Z, w4); // [R, O]
  const loss = mk('reduce_sum', [bin('mul', y, y)], { axes: [0, 1] });
  // Backward by hand: dY = 2y, dZ = dY w4^T, dP = dZ (1 - Z^2), dW3 = U^T dP, dU = dP w3^T.
  const dy = bin('mul', c(2, [R, O]), y);
  const dz = mm(dy, T(w4));
  const dp = bin('mul', dz, bin('sub', c(1, [R, W]), bin('mul', Z, Z)));
  const du = mm(dp, T(w3));
  const updates = [sgd(w3, mm(T(U), dp))];
  let small: Node;
  if (kind === 'slice' || kind === 'whole') {
    small = T(slice(H, K)); // [K, R]: the selected channels' activation, as the matmul reads it
    updates.push(sgd(param('ws', [K, O]), mm(small, du)));
    if (kind === 'whole') updates.push(sgd(w2, mm(T(H), du)));
  } else {
    const src = kind === 'mask' ? slice(H, K) : H;
    small = bin('lt', c(0, [...src.shape]), src); // bool [R, K] or [R, W]
    // The mask gates a backward value of its own width: dV = dU v, v [O, width].
    const dv = mm(du, param('v', [O, src.shape[1]]));
    const gb = mk('reduce_sum', [mk('where', [small, dv, c(0, [...src.shape])], null)], { axes: [0] });
    updates.push(sgd(param('b', [1, src.shape[1]]), gb));
  }
  return { g: { outputs: { loss }, updates }, H, small, dy };
}

/** Step index of the first / last dispatch binding a buffer. */
function touches(plan: Plan, buffer: number): { first: number; last: number } {
  let [first, last] = [-1, -1];
  plan.step.forEach((s, i) => {
    if (s.op !== 'dispatch' || !plan.kernels[s.kernel].bindings.some((b) => b.buffer === buffer)) return;
    if (first < 0) first = i;
    last = i;
  });
  return { first, last };
}
const bufferOf = (plan: Plan, n: Node) => plan.buffers.find((b) => b.name === `%${n.id}.${n.op}`);

let seed = Date.now() % 100000;
function data(): { params: Map<string, TypedArray>; inputs: Map<string, TypedArray> } {
  const params = new Map<string, TypedArray>([
    ['w1', randomF32(D * W, seed++, -0.5, 0.5)],
    ['w2', randomF32(W * O, seed++, -0.5, 0.5)],
    ['w3', randomF32(O * W, seed++, -0.5, 0.5)],
    ['w4', randomF32(W * O, seed++, -0.5, 0.5)],
    ['ws', randomF32(K * O, seed++)],
    ['b', randomF32(W, seed++)],
    ['v', randomF32(O * W, seed++)],
  ]);
  return { params, inputs: new Map([['x', randomF32(R * D, seed++)]]) };
}

describe('save early', () => {
  for (const kind of ['slice', 'mask', 'full-mask', 'whole'] as Kind[]) {
    it(`${kind}: H dies in the forward iff the small value is saved, and WebGPU equals the CPU`, async () => {
      const { g, H, small, dy } = step(kind);
      const { params, inputs } = data();
      if (kind === 'slice' || kind === 'whole') ['b', 'v'].forEach((k) => params.delete(k));
      else {
        params.delete('ws');
        params.set('b', params.get('b')!.slice(0, small.shape[1]));
        params.set('v', params.get('v')!.slice(0, O * small.shape[1]));
      }
      // merge: false keeps the schedule's kernel order (pack.ts would move small kernels
      // to their latest level, see the save-early.ts header); merged plans are checked too.
      const run = async (saveEarly: boolean, merge: boolean) => {
        SAVE_EARLY.enabled = saveEarly; // both halves: the scheduler's hoist and fusion's buffers
        const order = scheduleEarlyUpdates(g).order;
        const r = await runBoth(h, g, params, inputs, { isCPU: h.isCPU, order, merge }).finally(
          () => (SAVE_EARLY.enabled = true),
        );
        for (const k of Object.keys(r.cpu)) {
          const m = mismatch(r.gpu[k], r.cpu[k], 1e-4);
          expect(m.worst, `${k} at ${m.at}: ${m.g} vs ${m.c}`).toBeLessThan(1);
        }
        return r.plan;
      };
      await run(true, true);
      const [off, on] = [await run(false, false), await run(true, false)];
      const expectSaved =
        kind !== 'whole' && 2 * tensorBytes(small.dtype, small.shape) <= tensorBytes(H.dtype, H.shape);
      // Step where the backward writes dY: H read at or after it lives into the backward.
      const backward = (p: Plan) => touches(p, bufferOf(p, dy)!.id).first;
      expect(bufferOf(off, small)).toBeUndefined(); // without the rule it is recomputed late
      expect(touches(off, bufferOf(off, H)!.id).last).toBeGreaterThanOrEqual(backward(off));
      const hOn = touches(on, bufferOf(on, H)!.id);
      if (!expectSaved) {
        expect(bufferOf(on, small)).toBeUndefined();
        expect(hOn.last).toBeGreaterThanOrEqual(backward(on));
        expect(planBytes(on)).toBe(planBytes(off));
        return;
      }
      const saved = bufferOf(on, small);
      expect(saved).toBeDefined();
      // fuse.ts reports it, for the kernel packer to keep early.
      const order = scheduleEarlyUpdates(g).order;
      const leaves = toposort(roots(g)).filter((n) => n.src.length === 0);
      const limit = { maxStorageBuffers: h.limits.maxStorageBuffersPerShaderStage, fuse: true };
      expect(materialize([...leaves, ...order], roots(g), limit).savedEarly.has(small)).toBe(true);
      expect(touches(on, saved!.id).first).toBeLessThan(backward(on)); // written in the forward
      expect(hOn.last).toBeLessThan(backward(on)); // H's last reader is in the forward
      expect(planBytes(on)).toBeLessThan(planBytes(off));
    });
  }
});
