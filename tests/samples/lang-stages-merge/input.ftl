import std.models.llama
import std.methods.lora
import std.losses.causal_lm

recipe math_rft {
  model = llama.load("models/tiny-llama")
  stage sample {
    data = jsonl("data/problems.jsonl") |> prompt(template: model.chat_template)
           |> generate(model, k: 4, max_tokens: 128, temperature: 0.8)
           |> filter(s => answer(s.text) == s.reference)
  }
  stage sft { data = sample.output |> batch(8); apply lora(r: 16); loss = causal_lm; train(steps: 200) }
}

merge soup(checkpoints: [string], weights: [float]) = sum(w * load(c) for c, w in zip(checkpoints, weights))
