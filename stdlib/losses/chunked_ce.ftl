// Cross-entropy against an output head computed `chunk` rows at a time, after Cut
// Cross-Entropy (Wijmans et al. 2024, "Cut Your Losses in Large-Vocabulary Language
// Models"), without its fused kernel: neither the forward nor the backward ever holds the
// [N, V] logits, only blocks of about chunk x V elements (rows [chunk, V] for the forward
// and dh, vocabulary slices [N, V / chunks] for dW); the forward keeps the per-row
// logsumexp. A `backward` rule recomputes each block's logits instead of letting autodiff
// keep them.

/// Sum over rows r of mask[r] * (logsumexp(h[r] W^T) - h[r] . W[targets[r]]), for hidden
/// states h[N, d], head weight w[V, d], targets i32[N] and mask f32[N], computed `chunk`
/// rows at a time (the last chunk may be shorter); only the per-row logsumexp is kept.
/// Backward, with e = g * mask * (softmax(h W^T) - onehot(targets)) rebuilt block by block
/// from the kept logsumexp: dh = e W by row chunks, dW = e^T h by vocabulary blocks (as
/// many blocks as row chunks), so each block is written once and nothing accumulates.
fn chunked_nll_sum(h, w, targets, mask, chunk: int) {
  let total = 0.0
  for c in 0 .. chunk_count(h.shape[0], chunk) {
    let hc = chunk_of(h, c, chunk)
    let picked = sum(hc * w[chunk_of(targets, c, chunk)], axis: -1)  // [C]: h_r . W[t_r], a row gather
    total = total + sum(chunk_of(mask, c, chunk) * (chunk_lse(hc, w) - picked))
  }
  return total
} backward(g) {
  let k = chunk_count(h.shape[0], chunk)
  let gm = g * mask                                                        // [N]
  // The forward's per-chunk logsumexp: the same nodes (hash-consed), not a recomputation.
  let lses = [chunk_lse(chunk_of(h, c, chunk), w) for c in range(k)]
  let dh = [chunk_dh(chunk_of(h, c, chunk), w, chunk_of(targets, c, chunk), chunk_of(gm, c, chunk), lses[c])
            for c in range(k)]
  let lse = one_buffer(concat_rows(lses))                                  // [N], read by every block
  let vb = chunk_count(w.shape[0], k)                                      // vocabulary block size
  let dw = [block_dw(h, chunk_of(w, b, vb), b * vb, targets, gm, lse) for b in range(chunk_count(w.shape[0], vb))]
  return [concat_rows(dh), concat_rows(dw), 0, 0, 0]
}

/// concat(xs, axis: 0) as a tree of at most 6 pieces per concat, each group in a buffer of
/// its own. The compiler already splits concats wider than a kernel can bind
/// (compiler/passes/split-concats.ts); writing each group out here also lets its pieces die
/// early (V 8192 config: 12.35 MiB of planned activations, 13.78 MiB with a plain concat).
fn concat_rows(xs) {
  if len(xs) <= 6 {
    return concat(xs, axis: 0)
  }
  return concat_rows([one_buffer(concat([xs[j] for j in range(6 * i, min(6 * i + 6, len(xs)))], axis: 0))
                      for i in range(chunk_count(len(xs), 6))])
}

/// x ([N] or [N, d]) written to a buffer of its own: a max over two copies of x is a
/// reduction, and a reduction always gets a kernel, so readers of a concat bind one tensor.
fn one_buffer(x) {
  let cols = 1
  if len(x.shape) == 2 {
    cols = x.shape[1]
  }
  let flat = reshape(x, [x.shape[0] * cols, 1])
  return reshape(max(concat([flat, flat], axis: 1), axis: 1), x.shape)
}

/// How many chunks of `chunk` cover `n`.
fn chunk_count(n: int, chunk: int) = floor((n + chunk - 1) / chunk)

/// Rows c*chunk .. min((c+1)*chunk, N) of x.
fn chunk_of(x, c: int, chunk: int) = x[c * chunk:min(c * chunk + chunk, x.shape[0])]

/// log Σ_v exp(h_r . W_v) for the rows of hc[C, d]: [C]. The forward's only [C, V] block.
fn chunk_lse(hc, w) = logsumexp(hc @ w^T, axis: -1)

/// One row chunk's input gradient e_c W, [C, d], gm = g * mask and lse of the chunk's rows.
/// Its logits are recomputed from detach(hc): a node of its own, so hash-consing cannot
/// hand back the forward's block (which would then stay alive until the backward).
fn chunk_dh(hc, w, tc, gm, lse) {
  let p = exp(detach(hc) @ w^T - reshape(lse, [hc.shape[0], 1]))               // [C, V]
  return ((p - one_hot(tc, w.shape[0])) * reshape(gm, [hc.shape[0], 1])) @ w
}

/// The weight gradient of vocabulary rows v0 .. v0 + Vb: e[:, block]^T h, [Vb, d], from
/// the block's logits h W_b^T [N, Vb] and the kept logsumexp.
fn block_dw(h, wb, v0: int, targets, gm, lse) {
  let n = h.shape[0]
  let p = exp(h @ wb^T - reshape(lse, [n, 1]))                                  // [N, Vb]
  let onehot = float(reshape(targets, [n, 1]) == reshape(arange(wb.shape[0]) + v0, [1, wb.shape[0]]))
  return ((p - onehot) * reshape(gm, [n, 1]))^T @ h
}

/// Next-token cross-entropy (as `causal_lm`: position t predicts token t+1, loss_mask 0
/// positions do not count, the mean is over counted tokens) computed by `chunked_nll_sum`
/// from the model's final hidden state, the output of the module at `hidden_at`, and its
/// output head weight [vocab, d] given by `head` (GPT-2's tied `wte.weight` by default;
/// for llama: `hidden_at: "norm", head: (m) => m.lm_head.weight`). The model's own
/// logits are never used, so they are never computed.
loss chunked_causal_lm(model, batch, chunk: int = 256, hidden_at: string = "ln_f", head = (m) => m.wte.weight) {
  let h = hidden(model, batch.tokens, at: hidden_at)[:, :-1]        // [B, T-1, d]
  let rows = h.shape[0] * h.shape[1]
  let t = reshape(batch.tokens[:, 1:], [rows])
  let m = reshape(batch.loss_mask[:, 1:], [rows])
  return chunked_nll_sum(reshape(h, [rows, h.shape[2]]), head(model), t, m, chunk) / max(sum(m), 1.0)
}
