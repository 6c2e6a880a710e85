/// HFT, Half Fine-Tuning (Hui et al. 2024, "HFT: Half Fine-Tuning for Large Language
/// Models"): in each block train a seeded-random half of the attention matrices (`attn`)
/// and half of the feed-forward matrices (`ffn`), freezing the other half (and everything
/// outside the blocks) so earlier knowledge is kept. Apply it once per stage with a new
/// `seed` to redraw the halves; the selection is reproducible from the seed.
method hft(seed: int = 0, fraction: float = 0.5, attn: pattern = "attn.*.weight", ffn: pattern = "mlp.*.weight") {
  freeze all
  for i in range(len(model.blocks)) {
    let b = model.blocks[i]
    for group in [param_names(b[attn]), param_names(b[ffn])] {
      for name in sample(group, int(len(group) * fraction + 0.5), seed: seed * 7919 + i * 31 + len(group)) {
        unfreeze name
      }
    }
  }
}
