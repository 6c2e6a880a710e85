/// S2FT, Structured Sparse Fine-Tuning (Yang et al. 2024, "S2FT: Efficient, Scalable and
/// Generalizable LLM Fine-tuning by Structured Sparsity"): "select sparsely, compute
/// densely". In each block, drawn with one seed (salted per block):
///   - `channels` FFN channels: fc rows and bias and proj columns are co-permuted so those
///     channels come first, and only the dense submatrix proj[:, 0 .. channels] trains;
///   - `heads` attention heads: the q, k, v rows (and biases) of each drawn head, a block
///     of dh = d / heads rows, move to the front together with the same columns of the
///     output projection o, and only o[:, 0 .. heads * dh] trains (the drawn heads' share
///     of the output projection).
/// Co-permutation rewrites the initial weights; the model computes the same function
/// (heads are independent and a head's channels stay in order). Each trained slice is one
/// contiguous column block, so its gradient and optimizer state are dense. `heads: 0` or
/// `channels: 0` leaves that part out. Heads need multi-head attention (kv_heads = heads):
/// with grouped-query attention a query head's key/value head is fixed by its position.
method s2ft(channels: int = 8, heads: int = 0, seed: int = 0) {
  freeze all
  for b in model.blocks {
    if channels > 0 {
      let sel = random_indices(b.mlp.fc.out, channels, seed: seed, salt: path_of(b))
      co_permute(sel, [[b.mlp.fc["weight"], 0], [b.mlp.fc["bias"], 0], [b.mlp.proj["weight"], 1]])
      unfreeze b.mlp.proj["weight"] cols(0 .. channels)
    }
    if heads > 0 {
      let a = b.attn
      let dh = a.d / a.heads
      require(a.kv_heads == a.heads, "s2ft: attention heads need multi-head attention (kv_heads = heads)")
      require(heads <= a.heads, "s2ft: `heads` is more than the model has")
      let hs = random_indices(a.heads, heads, seed: seed, salt: path_of(a))
      // every channel of the drawn heads, head by head: hs[0]*dh .. hs[0]*dh + dh - 1, ...
      let ch = [hs[int(i / dh)] * dh + i % dh for i in range(heads * dh)]
      co_permute(ch, [[a.q["**"], 0], [a.k["**"], 0], [a.v["**"], 0], [a.o["weight"], 1]])
      unfreeze a.o["weight"] cols(0 .. heads * dh)
    }
  }
}
