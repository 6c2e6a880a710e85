/// Next-token cross-entropy: position t predicts token t+1; positions with loss_mask 0
/// (padding, prompts) do not count; the mean is over counted tokens.
loss causal_lm(model, batch) =
  cross_entropy(model(batch.tokens)[:, :-1], batch.tokens[:, 1:], mask: batch.loss_mask[:, 1:])
