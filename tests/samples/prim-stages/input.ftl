// Outer-loop stages: rounds of (sample with the current model, keep the correct answers,
// fine-tune on them), as in rejection-sampling fine-tuning / expert iteration.
import std.models.gpt2
import std.methods.lora
import std.losses.causal_lm
import std.optim.adamw

/// Exact-match reward on the extracted final answer.
fn correct(s) = answer(s.text) == s.reference

recipe expert_iteration {
  model = gpt2.load("models/tiny-gpt2")
  optim = adamw(lr: 1e-4)
  apply lora(r: 8, targets: "blocks.*.attn.{q,v}")
  for round in 0 .. 3 {
    stage sample {
      data = jsonl("data/problems.jsonl")
             |> prompt(template: "Q: {question}\nA:")
             |> generate(model, k: 4, max_tokens: 64, temperature: 0.7, seed: round)
             |> filter(correct)
    }
    stage sft {
      data = sample.output |> tokenize(model.tokenizer) |> batch(8)
      loss = causal_lm
      train(steps: 100, log_every: 10)
    }
  }
}
