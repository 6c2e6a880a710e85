// Bit-cipher word vectors (Zhao et al. 2023, "Bit Cipher -- A Simple yet Powerful Word
// Representation System that Integrates Efficiently with Language Models"), built on the
// host without backpropagation from a token stream, for initialising an embedding table.
// The paper's exact construction is not in its abstract; this is the documented variant
// ftl implements (deterministic: the same tokens give the same matrix):
//   1. unigram counts n_w over the tokens; rank tokens by count (ties: lower id first);
//   2. cipher c_w in {0, 1}^bits: the binary digits (least significant first) of rank + 1,
//      scaled by -log p_w with p_w = (n_w + 1) / (N + vocab) (rare tokens weigh more);
//   3. context h_w = sum over the occurrences of w of the ciphers of the tokens within
//      `window` positions on either side (sequence rows do not mix), L2-normalised;
//   4. vector: "sum" -> c_w / ||c_w|| + h_w ([vocab, bits]); "concat" -> [c_w / ||c_w||, h_w]
//      ([vocab, 2 bits]).

export type CipherMode = 'sum' | 'concat';

export function bitCipher(
  tokens: Int32Array,
  rowLength: number,
  vocab: number,
  bits: number,
  window: number,
  mode: CipherMode,
): Float32Array {
  const count = new Float64Array(vocab);
  for (const t of tokens) count[t]++;
  const order = Array.from({ length: vocab }, (_, i) => i).sort((a, b) => count[b] - count[a] || a - b);
  const N = tokens.length;
  const cipher = new Float64Array(vocab * bits);
  order.forEach((w, rank) => {
    const weight = -Math.log((count[w] + 1) / (N + vocab));
    for (let k = 0; k < bits; k++) cipher[w * bits + k] = (((rank + 1) >> k) & 1) * weight;
  });
  const ctx = new Float64Array(vocab * bits);
  for (let i = 0; i < N; i++) {
    const row = Math.floor(i / rowLength);
    const w = tokens[i];
    for (
      let j = Math.max(row * rowLength, i - window);
      j <= Math.min((row + 1) * rowLength - 1, i + window);
      j++
    )
      if (j !== i) for (let k = 0; k < bits; k++) ctx[w * bits + k] += cipher[tokens[j] * bits + k];
  }
  const width = mode === 'sum' ? bits : 2 * bits;
  const out = new Float32Array(vocab * width);
  for (let w = 0; w < vocab; w++) {
    const c = cipher.subarray(w * bits, (w + 1) * bits);
    const h = ctx.subarray(w * bits, (w + 1) * bits);
    const cn = Math.hypot(...c) || 1;
    const hn = Math.hypot(...h) || 1;
    for (let k = 0; k < bits; k++) {
      if (mode === 'sum') out[w * width + k] = c[k] / cn + h[k] / hn;
      else {
        out[w * width + k] = c[k] / cn;
        out[w * width + bits + k] = h[k] / hn;
      }
    }
  }
  return out;
}
