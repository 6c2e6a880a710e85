// Step 1 of the pretrain -> LoRA -> generate story: a tiny Llama (grouped-query attention,
// RoPE, SwiGLU) trained from scratch on a small text file, bytes as tokens.
// Vocabulary 257 = the 256 bytes + <|endoftext|>, which the exported tokenizer adds as EOS.
//
//   ftl run examples/pretrain.ftl                         (writes examples/out/pretrain)
//   ftl export examples/out/pretrain --to examples/out/pretrain-hf
//   ftl generate --model examples/out/pretrain-hf --prompt "The "
import std.models.llama
import std.losses.causal_lm
import std.optim.adamw
import std.schedules.cosine

recipe pretrain {
  model = llama(vocab: 257, d: 64, heads: 4, kv_heads: 2, n_layers: 2, hidden: 176)
  data  = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 64) |> shuffle(seed: 0) |> batch(8)
  loss  = causal_lm
  optim = adamw(lr: 3e-3, weight_decay: 0.01, schedule: cosine(warmup: 20))
  train(steps: 400, log_every: 20, clip: 1.0, save: "out/pretrain", save_every: 100)
}
