// Reference and teacher models: knowledge distillation from a larger frozen teacher,
// with a KL penalty to the model's own starting point.
import std.models.gpt2
import std.losses.causal_lm

/// Distillation: temperature-scaled KL to the teacher plus the hard-label loss.
loss distill(model, batch, teacher, alpha: float = 0.5, temperature: float = 2.0) {
  let student = model(batch.tokens)                     // [B, T, V]
  let soft = kl_div(teacher(batch.tokens), student, mask: batch.loss_mask, temperature: temperature)
  let hard = causal_lm(model, batch)
  return alpha * soft * temperature ^ 2 + (1 - alpha) * hard
}

recipe kd {
  model = gpt2.load("models/tiny-gpt2")
  teacher = gpt2.load("models/small-gpt2")
  data = text("data/corpus.txt") |> tokenize(model.tokenizer) |> chunks(seq: 64) |> batch(8)
  loss = distill(teacher: teacher, alpha: 0.7)
  train(steps: 100)
}
