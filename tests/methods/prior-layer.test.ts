// Prior-layer fine-tuning (stdlib/methods/prior_layer.ftl). The catalog's acceptance test:
// the selected layers are the top-k by the configured correlation (reference check) and
// only those layers change after training. The reference is independent of the compiler:
// the test reads the same probe batches through the data loader, runs GPT-2 itself in
// float64 TypeScript from the initial weights (block outputs at the last prompt token, and
// the response's log-probability when read alone), and computes the probe R^2 and the
// largest per-unit |Pearson r| with its own least-squares fit (normal equations solved by
// Cholesky) and its own correlation, without the method's host-stats builtins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import { gpu } from '../webgpu/harness.ts';
import { build, diffIndices, gpuVsCpu, runCpu, values } from './helpers.ts';

const [V, CTX, D, H, L, T, B, BATCHES, R, K] = [256, 16, 8, 2, 4, 12, 8, 3, 4, 2];
const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.prior_layer
recipe r {
  model = gpt2(vocab: ${V}, ctx: ${CTX}, d: ${D}, heads: ${H}, layers: ${L})
  data = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: ${T}) |> batch(${B})
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`;
const RIDGE = 1e-3;
const probe = build(recipe(`apply prior_layer(layers: ${K}, response: ${R}, batches: ${BATCHES})`));
const unit = build(
  recipe(`apply prior_layer(layers: ${K}, response: ${R}, batches: ${BATCHES}, metric: "unit")`),
);
const plain = build(recipe(''));
// The same selection training only the chosen blocks' MLPs (fewer kernels for llvmpipe).
const probeMlp = build(
  recipe(`apply prior_layer(layers: ${K}, response: ${R}, batches: ${BATCHES}, tensors: "mlp.**")`),
);
const w = values(plain, new Map(plain.initialValues(0)));

// ---- an independent GPT-2 forward in float64 --------------------------------------------
type M = number[][]; // (rows, cols)
const P = (n: string) => w.get(n)!;
const linear = (x: M, name: string): M => {
  const W = P(`${name}.weight`);
  const b = P(`${name}.bias`);
  const out = b.length;
  return x.map((r) =>
    Array.from({ length: out }, (_, o) => r.reduce((s, v, i) => s + v * W[o * r.length + i], b[o])),
  );
};
const layerNorm = (x: M, name: string): M =>
  x.map((r) => {
    const mu = r.reduce((a, b) => a + b, 0) / r.length;
    const va = r.reduce((a, b) => a + (b - mu) ** 2, 0) / r.length;
    return r.map((v, i) => ((v - mu) / Math.sqrt(va + 1e-5)) * P(`${name}.weight`)[i] + P(`${name}.bias`)[i]);
  });
const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const add = (a: M, b: M): M => a.map((r, i) => r.map((v, j) => v + b[i][j]));

/** One sequence: every block's output (L x (t, D)) and the logits (t, V). */
function forward(tokens: number[]): { blocks: M[]; logits: M } {
  const dh = D / H;
  let x: M = tokens.map((tok, t) =>
    Array.from({ length: D }, (_, j) => P('wte.weight')[tok * D + j] + P('wpe.weight')[t * D + j]),
  );
  const blocks: M[] = [];
  for (let l = 0; l < L; l++) {
    const pre = `blocks.${l}`;
    const h = layerNorm(x, `${pre}.ln_1`);
    const [q, k, v] = ['q', 'k', 'v'].map((m) => linear(h, `${pre}.attn.${m}`));
    const att: M = x.map(() => new Array(D).fill(0));
    for (let hd = 0; hd < H; hd++)
      for (let i = 0; i < x.length; i++) {
        const s = Array.from({ length: i + 1 }, (_, j) => {
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += q[i][hd * dh + c] * k[j][hd * dh + c];
          return dot / Math.sqrt(dh);
        });
        const mx = Math.max(...s);
        const e = s.map((z) => Math.exp(z - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++)
          for (let c = 0; c < dh; c++) att[i][hd * dh + c] += (e[j] / z) * v[j][hd * dh + c];
      }
    x = add(x, linear(att, `${pre}.attn.o`));
    const f = linear(layerNorm(x, `${pre}.ln_2`), `${pre}.mlp.fc`).map((r) => r.map(gelu));
    x = add(x, linear(f, `${pre}.mlp.proj`));
    blocks.push(x);
  }
  const hf = layerNorm(x, 'ln_f');
  const E = P('wte.weight');
  return {
    blocks,
    logits: hf.map((r) =>
      Array.from({ length: V }, (_, o) => r.reduce((s, v, i) => s + v * E[o * D + i], 0)),
    ),
  };
}

/** log p(r) read alone: sum over t >= 1 of log softmax(logits[t - 1])[r_t]. */
function priorOf(resp: number[]): number {
  const { logits } = forward(resp);
  let s = 0;
  for (let t = 1; t < resp.length; t++) {
    const row = logits[t - 1];
    const mx = Math.max(...row);
    s += row[resp[t]] - mx - Math.log(row.reduce((a, z) => a + Math.exp(z - mx), 0));
  }
  return s;
}

// ---- independent statistics ---------------------------------------------------------------
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function corr(xs: number[], ys: number[]): number {
  const [mx, my] = [mean(xs), mean(ys)];
  const c = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0);
  const vx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const vy = ys.reduce((s, y) => s + (y - my) ** 2, 0);
  return c / Math.sqrt(vx * vy);
}
/** R^2 of the ridge fit on centred data, normal equations solved by Cholesky. */
function ridgeR2(X: M, y: number[], ridge: number): number {
  const n = y.length;
  const mx = X[0].map((_, j) => mean(X.map((r) => r[j])));
  const my = mean(y);
  const Xc = X.map((r) => r.map((v, j) => v - mx[j]));
  const yc = y.map((v) => v - my);
  const A = mx.map((_, i) =>
    mx.map((_, j) => Xc.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? ridge * n : 0)),
  );
  const b = mx.map((_, i) => Xc.reduce((s, r, k) => s + r[i] * yc[k], 0));
  const Lc = A.map(() => new Array(A.length).fill(0));
  for (let i = 0; i < A.length; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= Lc[i][k] * Lc[j][k];
      Lc[i][j] = i === j ? Math.sqrt(s) : s / Lc[j][j];
    }
  const z = new Array(A.length).fill(0);
  for (let i = 0; i < A.length; i++)
    z[i] = (b[i] - z.slice(0, i).reduce((s, v, k) => s + Lc[i][k] * v, 0)) / Lc[i][i];
  const wv = new Array(A.length).fill(0);
  for (let i = A.length - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < A.length; k++) s -= Lc[k][i] * wv[k];
    wv[i] = s / Lc[i][i];
  }
  const sse = Xc.reduce((s, r, k) => s + (yc[k] - r.reduce((p, v, j) => p + v * wv[j], 0)) ** 2, 0);
  return 1 - sse / yc.reduce((s, v) => s + v * v, 0);
}

// The probe rows: batches 1..BATCHES of the recipe's data, read by the runtime's loader.
const feeder = openFeeder(plain.dataSpec, 'examples');
if (!feeder.ok) throw new Error(feeder.diagnostics.map((d) => d.message).join('; '));
const rows: number[][] = [];
for (let s = 1; s <= BATCHES; s++) {
  const tok = feeder.value.feed(s).tokens as Int32Array;
  for (let r = 0; r < B; r++) rows.push(Array.from(tok.subarray(r * T, (r + 1) * T)));
}
const states: M[] = Array.from({ length: L }, () => []); // L x (rows, D) at the last prompt token
const prior: number[] = [];
for (const row of rows) {
  const { blocks } = forward(row);
  blocks.forEach((h, l) => states[l].push(h[T - R - 1]));
  prior.push(priorOf(row.slice(T - R)));
}
const probeScores = states.map((X) => ridgeR2(X, prior, RIDGE));
const unitScores = states.map((X) =>
  Math.max(
    ...X[0].map((_, j) =>
      Math.abs(
        corr(
          X.map((r) => r[j]),
          prior,
        ),
      ),
    ),
  ),
);
const topK = (s: number[]) =>
  [...s.keys()]
    .sort((a, b) => s[b] - s[a])
    .slice(0, K)
    .sort();
const trainedBlocks = (b: typeof probe) =>
  [
    ...new Set(b.params.filter((p) => p.trainable).map((p) => Number(/^blocks\.(\d+)\./.exec(p.name)![1]))),
  ].sort();

describe('prior-layer fine-tuning', () => {
  it('the probe rows have a spread of priors (the statistic is not degenerate)', () => {
    expect(rows.length).toBe(B * BATCHES);
    expect(Math.max(...prior) - Math.min(...prior)).toBeGreaterThan(0.01);
  });

  for (const [name, b, scores] of [
    ['probe R^2', probe, probeScores],
    ['max unit |r|', unit, unitScores],
  ] as const)
    it(`selects the top-${K} layers by ${name}, as computed independently`, () => {
      const sorted = [...scores].sort((a, c) => c - a);
      expect(sorted[K - 1] - sorted[K]).toBeGreaterThan(1e-4); // a margin above float error
      expect(trainedBlocks(b)).toEqual(topK(scores));
      // every parameter of a chosen block trains, nothing else
      const t = b.params.filter((p) => p.trainable).map((p) => p.name);
      const want = [...w.keys()].filter((n) => topK(scores).some((l) => n.startsWith(`blocks.${l}.`)));
      expect(t.sort()).toEqual(want.sort());
    });

  it('only the chosen layers change after training (CPU)', () => {
    const v0 = values(probe, new Map(probe.initialValues(0)));
    const v1 = values(probe, runCpu(probe, 2).store);
    const chosen = topK(probeScores);
    for (const [n, v] of v0) {
      const inChosen = chosen.some((l) => n.startsWith(`blocks.${l}.`));
      const d = diffIndices(v, v1.get(n)!);
      if (inChosen && n.endsWith('.weight') && !n.includes('ln_')) expect(d.length, n).toBeGreaterThan(0);
      if (!inChosen) expect(d, n).toEqual([]);
    }
  });

  it('takes the blocks by pattern: on a Llama-family model one layer MLP trains', () => {
    const ll = build(`
import std.models.llama
import std.losses.causal_lm
import std.optim.adamw
import std.methods.prior_layer
recipe r {
  model = llama(vocab: ${V}, d: ${D}, heads: 2, kv_heads: 1, n_layers: 3, hidden: 16)
  data = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: ${T}) |> batch(${B})
  apply prior_layer(layers: 1, batches: 2, blocks: "layers.*", tensors: "mlp.**")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
}`);
    const t = ll.params.filter((p) => p.trainable).map((p) => p.name);
    expect(t).toHaveLength(3);
    expect(new Set(t.map((n) => /^layers\.(\d+)\.mlp\./.exec(n)?.[1])).size).toBe(1);
  });

  it('reports a response longer than the rows as a diagnostic', () => {
    expect(() => build(recipe(`apply prior_layer(response: ${T})`))).toThrow(
      /FTL0401 prior_layer: `response`/,
    );
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('trains the same layers as the CPU', async () => {
      const r = await gpuVsCpu(h, probeMlp, 2);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      const blocks = [...new Set(r.changed.map((n) => Number(/^blocks\.(\d+)\./.exec(n)?.[1] ?? -1)))].sort();
      expect(blocks).toEqual(topK(probeScores));
    }, 60_000);
  });
});
