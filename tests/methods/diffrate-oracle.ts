// An independent plain-TypeScript GPT-2 forward (float64 arrays, one sequence at a time)
// with DiffRate's token merging as stdlib/methods/diffrate.ftl documents it, for
// tests/methods/wave1a-diffrate.test.ts. Written from the documented semantics, not from
// the .ftl code:
//   - a token composition W (T x T; W[j][i] = share of original token i in token j) starts
//     as the identity; sizes s_j = sum_i W[j][i];
//   - attention keys/values are the count-weighted member averages (W / s) k, (W / s) v, and
//     log(s_j) is added to the scores of key j (keys of size 0 are dropped);
//   - importance of key j = the attention it receives times (t + 1) at query t (relative to
//     a uniform query), summed over heads and queries, over H (T - j) (the queries seeing it);
//   - per candidate c with probability p_c: the n_c most important tokens stay (ties: lower
//     index); every other token i with a size > 0 moves to the kept, live token j > i whose
//     head-averaged merged key is most similar by cosine (ties: lower j), or is dropped;
//   - W <- (sum_c p_c D_c)^T W for the next layer.

type Store = Map<string, Float32Array>;

export interface MergeCase {
  readonly vocab: number;
  readonly d: number;
  readonly heads: number;
  readonly layers: number;
  /** Candidate counts n_c and their probabilities p_c (the same for every layer). */
  readonly counts: readonly number[];
  readonly probs: readonly number[];
}

const linear = (P: Store, name: string, x: number[][]): number[][] => {
  const w = P.get(`${name}.weight`)!;
  const b = P.get(`${name}.bias`)!;
  const out = b.length;
  const inn = w.length / out;
  return x.map((row) =>
    Array.from({ length: out }, (_, o) => {
      let s = b[o];
      for (let i = 0; i < inn; i++) s += w[o * inn + i] * row[i];
      return s;
    }),
  );
};

const layerNorm = (P: Store, name: string, x: number[][]): number[][] => {
  const w = P.get(`${name}.weight`)!;
  const b = P.get(`${name}.bias`)!;
  return x.map((row) => {
    const mu = row.reduce((a, v) => a + v, 0) / row.length;
    const va = row.reduce((a, v) => a + (v - mu) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mu) / Math.sqrt(va + 1e-5)) * w[i] + b[i]);
  });
};

const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const matmul = (a: number[][], b: number[][]) =>
  a.map((row) =>
    b[0].map((_, j) =>
      dot(
        row,
        b.map((r) => r[j]),
      ),
    ),
  );

/** Top-n indices by value, ties to the lower index. */
function topN(v: number[], n: number): Set<number> {
  const idx = v.map((_, i) => i).sort((a, b) => v[b] - v[a] || a - b);
  return new Set(idx.slice(0, n));
}

/**
 * Logits (T x vocab) of one sequence, and how many tokens were merged (moved into another)
 * at each layer summed over candidates.
 */
export function mergedGpt2(P: Store, tokens: readonly number[], c: MergeCase) {
  const { d, heads: H, vocab } = c;
  const T = tokens.length;
  const dh = d / H;
  const wte = P.get('wte.weight')!;
  const wpe = P.get('wpe.weight')!;
  let x = tokens.map((tok, t) => Array.from({ length: d }, (_, i) => wte[tok * d + i] + wpe[t * d + i]));
  let W: number[][] = Array.from({ length: T }, (_, j) =>
    Array.from({ length: T }, (_, i) => (i === j ? 1 : 0)),
  );
  let merges = 0;
  for (let l = 0; l < c.layers; l++) {
    const pre = `blocks.${l}`;
    const h = layerNorm(P, `${pre}.ln_1`, x);
    const [q, k, v] = ['q', 'k', 'v'].map((n) => linear(P, `${pre}.attn.${n}`, h));
    const size = W.map((row) => row.reduce((a, b) => a + b, 0));
    const avg = W.map((row, j) => row.map((w) => w / Math.max(size[j], 1e-30)));
    const ke = matmul(avg, k); // (T, d): heads side by side, as the merge is per token
    const ve = matmul(avg, v);
    const att: number[][][] = []; // [head][query][key]
    const ctx = Array.from({ length: T }, () => new Array<number>(d).fill(0));
    for (let hd = 0; hd < H; hd++) {
      const sl = (r: number[]) => r.slice(hd * dh, (hd + 1) * dh);
      att.push(
        q.map((qt, t) => {
          const s = ke.map((kj, j) =>
            j > t ? -Infinity : dot(sl(qt), sl(kj)) / Math.sqrt(dh) + Math.log(Math.max(size[j], 1e-30)),
          );
          const mx = Math.max(...s);
          const e = s.map((z) => Math.exp(z - mx));
          const z = e.reduce((a, b) => a + b, 0);
          return e.map((u) => u / z);
        }),
      );
      for (let t = 0; t < T; t++)
        for (let j = 0; j < T; j++)
          for (let i = 0; i < dh; i++) ctx[t][hd * dh + i] += att[hd][t][j] * ve[j][hd * dh + i];
    }
    const o = linear(P, `${pre}.attn.o`, ctx);
    x = x.map((row, t) => row.map((u, i) => u + o[t][i]));
    // the merge that the next layers see
    const importance = Array.from({ length: T }, (_, j) => {
      let s = 0;
      for (let hd = 0; hd < H; hd++) for (let t = 0; t < T; t++) s += att[hd][t][j] * (t + 1);
      return s / (H * (T - j));
    });
    const keys = ke.map((row) =>
      Array.from({ length: dh }, (_, i) => {
        let s = 0;
        for (let hd = 0; hd < H; hd++) s += row[hd * dh + i];
        return s / H;
      }),
    );
    const kn = keys.map((r) => {
      const n = Math.sqrt(dot(r, r)) + 1e-6;
      return r.map((u) => u / n);
    });
    const D = Array.from({ length: T }, () => new Array<number>(T).fill(0)); // [src][dst]
    c.counts.forEach((n, ci) => {
      const kept = topN(importance, n);
      for (let i = 0; i < T; i++) {
        if (kept.has(i)) {
          D[i][i] += c.probs[ci];
          continue;
        }
        let best = -1;
        for (let j = i + 1; j < T; j++)
          if (kept.has(j) && size[j] > 0 && (best < 0 || dot(kn[i], kn[j]) > dot(kn[i], kn[best]))) best = j;
        if (best >= 0 && size[i] > 0) merges++;
        if (best >= 0) D[i][best] += c.probs[ci];
      }
    });
    W = Array.from({ length: T }, (_, j) =>
      Array.from({ length: T }, (_, i) => D.reduce((s, row, src) => s + row[j] * W[src][i], 0)),
    );
    const h2 = layerNorm(P, `${pre}.ln_2`, x);
    const m = linear(
      P,
      `${pre}.mlp.proj`,
      linear(P, `${pre}.mlp.fc`, h2).map((r) => r.map(gelu)),
    );
    x = x.map((row, t) => row.map((u, i) => u + m[t][i]));
  }
  const z = layerNorm(P, 'ln_f', x);
  const logits = z.map((row) =>
    Array.from({ length: vocab }, (_, o) => dot(row, Array.from(wte.slice(o * d, (o + 1) * d)))),
  );
  return { logits, merges };
}
