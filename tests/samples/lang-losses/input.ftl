loss causal_lm(model, batch) =
  cross_entropy(model(batch.tokens)[:, :-1], batch.tokens[:, 1:], mask: batch.loss_mask[:, 1:])

/// DPO: -log σ(β[(log π(y_w) - log π_ref(y_w)) - (log π(y_l) - log π_ref(y_l))])
loss dpo(model, batch, beta: float = 0.1) {
  let ref = reference(model)                          // frozen copy from stage start; forward only
  let lp  = (m, s) => seq_logprob(m(s.tokens), s.tokens, mask: s.loss_mask)
  let margin = (lp(model, batch.chosen) - lp(ref, batch.chosen))
             - (lp(model, batch.rejected) - lp(ref, batch.rejected))
  return -mean(log_sigmoid(beta * margin))
}
