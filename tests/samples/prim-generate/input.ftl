// Generation inside a recipe: self-distillation data from the model's own greedy answers.
import std.models.llama
import std.losses.causal_lm

recipe self_distill {
  model = llama.load("models/tiny-llama")
  data = jsonl("data/prompts.jsonl")
         |> chat(template: model.chat_template, system: "Answer briefly.")
         |> generate(model, k: 1, max_tokens: 128, temperature: 0.0)
         |> tokenize(model.tokenizer, field: "text")
         |> batch(4)
  loss = causal_lm
  train(steps: 50)
}
