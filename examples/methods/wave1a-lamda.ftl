// LaMDA: SVD-initialised low-dimensional adapters (A = V_r^T frozen, S trains, B = U_r
// trains in the first stage and is frozen in the second). `ftl run` trains the first stage;
// buildTrainingGraph(src, { stage: "rest" }) builds the second (tests/methods/wave1a-lamda.test.ts).
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lamda

recipe lamda_tune {
  model = gpt2(vocab: 256, ctx: 64, d: 32, heads: 2, layers: 2)
  data = text("../data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> batch(4)
  apply lamda(r: 4)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  stage warm { train(steps: 5) }
  stage rest { apply lamda_freeze_b; train(steps: 15) }
}
