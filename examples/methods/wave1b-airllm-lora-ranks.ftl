// One round of AirLLM-style rank-adaptive LoRA: the controller's rank vector (one rank per
// adapted projection, in model order; 0 = none) is a recipe argument. The next round
// recompiles with the next vector; lora_bits(ranks, ins, outs, bits) is what the round sends.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lora_ranks

recipe airllm_round {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply lora_ranks(ranks: [8, 2, 4, 0], alpha: 16.0, targets: "blocks.*.attn.{q,v}")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
