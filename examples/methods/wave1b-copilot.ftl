// Transformer Copilot on a tiny GPT-2: the Pilot tunes q/v with LoRA on its own cross-entropy;
// a Copilot MLP learns the Pilot's mistake log (one_hot - softmax) from its detached last
// hidden state and is fused into the output logits with weight lambda.
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lora
import std.methods.copilot

recipe copilot_tiny {
  model = gpt2(vocab: 256, ctx: 32, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply lora(r: 4, targets: "blocks.*.attn.{q,v}")
  apply copilot(width: 32, lambda: 1.0, weight: 1.0)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 20, log_every: 5)
}
