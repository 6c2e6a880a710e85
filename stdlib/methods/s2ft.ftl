/// S2FT, Structured Sparse Fine-Tuning (Yang et al. 2024, "S2FT: Efficient, Scalable and
/// Generalizable LLM Fine-tuning by Structured Sparsity"), its FFN part: "select sparsely,
/// compute densely". In each block `channels` FFN channels are drawn (seeded per block),
/// the coupled weights are co-permuted so those channels come first (fc rows and bias,
/// proj columns: the function is unchanged), and only the dense submatrix proj[:, 0 ..
/// channels] trains, so its gradient and optimizer state are one contiguous slice. The
/// attention-head part of the paper is not included.
method s2ft(channels: int = 8, seed: int = 0) {
  freeze all
  for b in model.blocks {
    let sel = random_indices(b.mlp.fc.out, channels, seed: seed, salt: path_of(b))
    co_permute(sel, [[b.mlp.fc["weight"], 0], [b.mlp.fc["bias"], 0], [b.mlp.proj["weight"], 1]])
    unfreeze b.mlp.proj["weight"] cols(0 .. channels)
  }
}
