/// Negative mean sequence log-probability of each example's masked tokens
/// (seq_logprob shifts internally: logits at t score token t+1).
loss sequence_nll(model, batch) = -mean(seq_logprob(model(batch.tokens), batch.tokens, mask: batch.loss_mask))
