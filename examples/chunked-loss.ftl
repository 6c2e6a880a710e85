// Large-vocabulary training without the [tokens, vocab] logits: the chunked next-token loss
// (stdlib/losses/chunked_ce.ftl) computes cross-entropy 64 rows at a time and its custom
// backward rebuilds the softmax block by block. Compare the plans' memory with
//   ftl compile examples/chunked-loss.ftl --report     (and with `loss = causal_lm`)
import std.models.gpt2
import std.losses.chunked_ce
import std.optim.adamw

recipe chunked_loss {
  model = gpt2(vocab: 8192, ctx: 32, d: 32, heads: 2, layers: 2)
  data  = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 32) |> shuffle(seed: 0) |> batch(8)
  loss  = chunked_causal_lm(chunk: 64)
  optim = adamw(lr: 3e-3)
  train(steps: 20, log_every: 5)
}
