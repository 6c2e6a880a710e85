// L2M (stdlib/methods/l2m.ftl): B = 0 leaves the frozen model's output unchanged; after
// training on two clusters of sequences, retrieval (recomputed on the host from the trained
// keys: argmax cosine of the mean token embedding) picks one modulator per cluster on every
// new batch, and the graph applies exactly that modulator (with only modulator e non-zero,
// rows retrieving another one give the base logits bit for bit); base weights stay
// bit-identical; a WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu, randomF32 } from '../webgpu/harness.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  inputs,
  logits,
  maxAbsDiff,
  tiny,
  train,
  type Store,
} from './wave1a-helpers.ts';

const [B, T, D, V, POOL] = [4, 8, 16, 16, 3];
const apply = `apply l2m(pool: ${POOL}, r: 2, key_weight: 1.0)`;
const opts = { imports: ['l2m'] };

/** Rows 0, 1 from tokens 0..7 (cluster A), rows 2, 3 from 8..15 (cluster B), shuffled by `salt`. */
function clusterBatch(salt: number): Int32Array {
  const t = new Int32Array(B * T);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < T; i++)
      t[b * T + i] = (b < 2 ? 0 : 8) + ((i * 3 + salt * 5 + b * 7 + ((salt * i) % 3)) % 8);
  return t;
}

function hostSelect(p: Store, tokens: Int32Array): number[] {
  const wte = p.get('wte.weight') as Float32Array;
  const keys = p.get('wte.l2m_keys') as Float32Array;
  return Array.from({ length: B }, (_, b) => {
    const q = new Float64Array(D);
    for (let i = 0; i < T; i++) for (let j = 0; j < D; j++) q[j] += wte[tokens[b * T + i] * D + j] / T;
    const cos = Array.from({ length: POOL }, (_, e) => {
      const k = keys.subarray(e * D, (e + 1) * D);
      const dot = k.reduce((a, v, j) => a + v * q[j], 0);
      return dot / (Math.hypot(...k) * Math.hypot(...q));
    });
    return cos.indexOf(Math.max(...cos));
  });
}

describe('l2m', () => {
  it("with B = 0 the output is the frozen model's", () => {
    const p = forward(tiny(apply, opts)).initialValues(1);
    const y = logits(forward(tiny(apply, opts)), p, batchInputs(B, T, 0));
    expect(Array.from(y)).toEqual(Array.from(logits(forward(tiny('')), p, batchInputs(B, T, 0))));
  });

  it('retrieval is consistent per cluster and the graph applies the retrieved modulator', () => {
    const b = train(tiny(apply, opts));
    const store: Store = b.initialValues(2);
    // Two clusters in embedding space: tokens 0..7 shifted along +u, 8..15 along -u.
    const u = randomF32(D, 7);
    store.set(
      'wte.weight',
      Float32Array.from(store.get('wte.weight')!, (v, i) => v + (i < 8 * D ? 0.1 : -0.1) * u[i % D]),
    );
    const before = new Map(store);
    for (let s = 1; s <= 20; s++) step(b.graph, store, inputs(clusterBatch(s), undefined, s));
    for (const [k, v] of before) if (!k.includes(':') && !k.includes('l2m_')) expect(store.get(k)).toEqual(v);

    const sels = [21, 22, 23, 24].map((s) => hostSelect(store, clusterBatch(s)));
    const [ea, eb] = [sels[0][0], sels[0][2]];
    for (const sel of sels) expect(sel).toEqual([ea, ea, eb, eb]);

    // Only modulator ea non-zero: rows retrieving another modulator keep the base logits.
    const f = forward(tiny(apply, opts));
    const p = new Map(store);
    for (const k of [...p.keys()].filter((k) => k.endsWith('.l2m_b'))) {
      const v = new Float32Array(p.get(k)!.length);
      const per = v.length / POOL;
      v.set(randomF32(per, k.length), ea * per);
      p.set(k, v);
    }
    const tok = clusterBatch(30);
    const sel = hostSelect(store, tok);
    const y = logits(f, p, inputs(tok));
    const y0 = logits(forward(tiny('')), p, inputs(tok));
    for (let r = 0; r < B; r++) {
      const [a, c] = [y.subarray(r * T * V, (r + 1) * T * V), y0.subarray(r * T * V, (r + 1) * T * V)];
      if (sel[r] === ea) expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-4);
      else expect(Array.from(a)).toEqual(Array.from(c));
    }
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    await gpuStepMatchesCpu(
      h,
      train(tiny(apply, { ...opts, layers: 1 })),
      inputs(clusterBatch(1), undefined, 1),
    );
  });
});
