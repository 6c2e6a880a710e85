// Trainable sets with row and element masks: the first quarter of each MLP weight's output
// rows in the last two blocks, and a fixed sparse element mask on the attention weights.
import std.models.gpt2
import std.losses.causal_lm

/// Element-sparse fine-tuning: only the `k` largest-magnitude entries of each matched
/// weight train (the mask is computed once from the base weights).
method sparse_mask(tensors: pattern = "blocks.*.attn.*.weight", k: int = 64) {
  freeze all
  for m in modules(tensors) {
    unfreeze m["weight"] mask(topk_mask(abs(m.weight), k))
  }
}

method last_rows(layers: int = 2, ratio: float = 0.25) {
  for b in last(model.blocks, layers) {
    unfreeze b["mlp.**.weight"] rows(0 .. ratio)
    unfreeze b["**.bias"]
    unfreeze b["attn.o.weight"] cols(0 .. 16)
  }
}

recipe masked {
  model = gpt2.load("models/tiny-gpt2")
  data = text("data/corpus.txt") |> tokenize(model.tokenizer) |> chunks(seq: 64) |> batch(8)
  apply sparse_mask(k: 32)
  apply last_rows(layers: 1)
  loss = causal_lm
  train(steps: 50)
}
