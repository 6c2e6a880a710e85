// Reward functions and a GRPO-style policy-gradient loss over generated groups.
import std.models.gpt2
import std.optim.adamw

/// 1 for a correct numeric answer, plus a small bonus for short outputs.
fn math_reward(s) = float(numeric_answer(s.text) == s.reference) + 0.1 * float(length(s.text) < 200)

/// GRPO: clipped ratio of new to old log-probs, weighted by group-relative advantages.
loss grpo(model, batch, clip: float = 0.2, beta: float = 0.04) {
  let ref = reference(model)
  let logp = token_logprob(model(batch.tokens), batch.tokens)       // [B, T]
  let ratio = exp(logp - batch.old_logprob)
  let adv = batch.advantage                                          // [B, 1]
  let pg = -min(ratio * adv, clamp(ratio, min: 1 - clip, max: 1 + clip) * adv)
  let kl = kl_div(model(batch.tokens), ref(batch.tokens), mask: batch.loss_mask)
  return sum(pg * batch.loss_mask) / sum(batch.loss_mask) + beta * kl
}

recipe grpo_math {
  model = gpt2.load("models/tiny-gpt2")
  data = jsonl("data/math.jsonl")
         |> prompt(template: "{question}")
         |> generate(model, k: 8, max_tokens: 96, temperature: 1.0)
         |> reward(math_reward, as: "reward")
         |> group_advantage(by: "prompt", normalize: true)
         |> batch(16)
  loss = grpo(clip: 0.2)
  optim = adamw(lr: 1e-5)
  train(steps: 200)
}
