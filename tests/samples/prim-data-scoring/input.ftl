// Per-example data scoring: keep the examples with the highest loss under the model
// (a selection pass before training), then train on them.
import std.models.gpt2
import std.losses.causal_lm

fn length_ok(s) = length(s.text) > 20 && length(s.text) < 2000

recipe select_then_train {
  model = gpt2.load("models/tiny-gpt2")
  stage score_pass {
    data = jsonl("data/pool.jsonl")
           |> filter(length_ok)
           |> score(s => seq_logprob(model(s.tokens), s.tokens), as: "logp")
           |> select_top(by: "logp", fraction: 0.3)
  }
  stage train_pass {
    data = score_pass.output |> tokenize(model.tokenizer) |> batch(8)
    loss = causal_lm
    train(steps: 100)
  }
}
