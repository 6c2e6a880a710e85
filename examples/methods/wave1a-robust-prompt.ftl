// Soft prompt for instruction-phrasing robustness: each line of the data file is an
// instruction and consecutive lines are paraphrases, so every batch of 4 holds two pairs;
// the prompt learns to map paraphrases to nearby final representations.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.robust_prompt

recipe robust_prompt_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("wave1a-paraphrases.txt", documents: "lines") |> tokenize("bytes") |> pad(seq: 48) |> batch(4)
  apply robust_prompt(length: 4, weight: 10.0)
  loss = causal_lm
  optim = adamw(lr: 3e-2)
  train(steps: 20)
}
