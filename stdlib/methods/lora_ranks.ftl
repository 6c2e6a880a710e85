/// LoRA with one rank per adapted module, for AirLLM (Yang et al. 2025, "AirLLM: Diffusion
/// Policy-based Adaptive LoRA for Remote Fine-Tuning of LLM over the Air"): the i-th linear
/// matched by `targets` (in model order) gets rank `ranks[i]` (0 = no adapter there),
/// W x + (alpha / r_i) B_i A_i x, A Kaiming-uniform, B zero, only A and B train; `merge`
/// folds the adapters into the weights. AirLLM's controller (a PPO agent refined by a DDIM
/// diffusion policy, trading quality against wireless transmission cost) chooses the rank
/// vector between fine-tuning rounds; here the vector is a recipe argument, so each round
/// is a recompile with that round's ranks (the controller itself is not part of ftl).
/// `lora_bits` gives the payload a round transmits.
method lora_ranks(ranks: [int], alpha: float = 16.0, targets: pattern = "**") {
  freeze all
  for m, r in zip(modules(targets), ranks) {
    if r > 0 {
      param m.lora_a: f32[r, m.in] init kaiming_uniform(a: sqrt(5)) trainable
      param m.lora_b: f32[m.out, r] init zeros trainable
      wrap m(x) = base(x) + (alpha / r) * (x @ m.lora_a^T @ m.lora_b^T)
      merge m.weight += (alpha / r) * (m.lora_b @ m.lora_a)
    }
  }
}

/// Transmission cost of one round of rank-adaptive LoRA: the adapter parameters
/// sum_i r_i (d_in_i + d_out_i) times `bits` per parameter (AirLLM's communication cost).
/// `ins` / `outs` are the adapted layers' input and output widths, in `ranks` order.
fn lora_bits(ranks: [int], ins: [int], outs: [int], bits: int = 16) = sum(
  [r * (i + o) * bits for r, i, o in zip(ranks, ins, outs)]
)
