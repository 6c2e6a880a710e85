// Control LLM: the last block gets a trainable copy run in parallel with the frozen original;
// their hidden states are interpolated and a divergence loss keeps them close.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.control_llm

recipe control_llm_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply control_llm(alpha: 0.5, divergence: 0.1, targets: "blocks.1")
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
