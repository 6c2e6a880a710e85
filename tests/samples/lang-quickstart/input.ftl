import std.models.gpt2
import std.methods.lora
import std.losses.causal_lm
import std.optim.adamw
import std.schedules.cosine

recipe quickstart {
  model = gpt2.load("models/tiny-gpt2")               // config.json + model.safetensors + tokenizer.json
  data  = text("data/corpus.txt")
          |> tokenize(model.tokenizer)
          |> chunks(seq: 128)
          |> shuffle(seed: 0)
          |> batch(8)
  apply lora(r: 8, alpha: 16, targets: "blocks.*.attn.{q,v}")
  loss  = causal_lm
  optim = adamw(lr: 3e-4, weight_decay: 0.01, schedule: cosine(warmup: 20))
  train(steps: 300, log_every: 10, eval_every: 100, save: "out/quickstart")
}
