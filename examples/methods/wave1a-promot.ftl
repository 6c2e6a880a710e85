// ProMoT: stage 1 tunes a soft prompt on the task with the model frozen; stage 2 tunes the
// model with the prompt attached and frozen. (`ftl run` trains the first stage; the
// compiler builds either with buildTrainingGraph(src, { stage }), as the tests do.)
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.prompt_tuning
import std.methods.promot

recipe promot_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  stage prompt { apply prompt_tuning(length: 8); train(steps: 10) }
  stage tune { apply promot_model_tuning; optim = adamw(lr: 1e-3); train(steps: 10) }
}
