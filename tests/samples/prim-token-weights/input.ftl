// Per-token loss weights: down-weight tokens the model already predicts confidently
// (a focal-style weighting), computed without gradient.
loss weighted_lm(model, batch, gamma: float = 2.0) {
  let logits = model(batch.tokens)[:, :-1]                    // [B, T-1, V]
  let targets = batch.tokens[:, 1:]
  let p = exp(token_logprob(detach(logits), targets))        // [B, T-1]
  let w = (1 - p) ^ gamma * batch.loss_mask[:, 1:]
  return cross_entropy(logits, targets, weights: w, reduction: "mean")
}
