/// Prior-layer fine-tuning (Zhang et al. 2025, "Identifying and Mitigating the Influence of
/// the Prior Distribution in Large Language Models"): find the layers whose hidden states
/// correlate with the prior probability of a response, then fine-tune only those layers.
/// Probe data are the first `batches` batches of the recipe's data (a calibration pass on
/// the host at compile time, at the weights selection reads: loaded or initial, or an
/// earlier stage's under withWeights); each row is a prompt followed by a response of
/// `response` tokens (its last tokens).
///   prior of a row  = log p(response) when the model reads the response alone (no
///                     prompt): sum over response tokens 2.. of log p(r_t | r_<t), the
///                     first token having no context;
///   layer l's state = block l's output at the last prompt token, h_l [rows, d];
///   score of l      = metric "probe": R^2 of a ridge linear probe (`ridge`) predicting the
///                     prior from h_l; metric "unit": max over hidden units of |Pearson r|.
/// The `layers` highest-scoring blocks train (the parameters matched by `tensors` in
/// them); everything else is frozen. `blocks` names the model's blocks ("blocks.*" for
/// GPT-2, "layers.*" for the Llama family). The paper's localisation details (which probe, which
/// token position) are not in its abstract and were not checked against its code; this is
/// ftl's documented reading.
method prior_layer(
  layers: int = 1,
  response: int = 4,
  batches: int = 2,
  metric: string = "probe",
  ridge: float = 1e-3,
  tensors: pattern = "**",
  blocks: pattern = "blocks.*"
) {
  freeze all
  let bs = modules(blocks)
  let n = len(bs)
  for b in bs {
    wrap b(x) = tap("prior_layer.h", base(x))
  }
  let xs = calibration_tokens(data, batches: batches) // (rows, T)
  let T = xs.shape[1]
  require(
    response >= 2 && response < T,
    "prior_layer: `response` must be in 2 .. T - 1 (T = the data's sequence length)"
  )
  require(layers >= 1 && layers <= n, "prior_layer: `layers` must be in 1 .. the number of blocks")
  require(metric == "probe" || metric == "unit", "prior_layer: `metric` is \"probe\" or \"unit\"")
  let y = model(xs)
  let hs = last(taps("prior_layer.h"), n) // n x (rows, T, d)
  let r = xs[:, T - response:T] // (rows, response): the responses on their own
  let prior = host_eval(seq_logprob(model(r), r)) // rows numbers
  let scores = [probe_r2(host_eval(h[:, T - response - 1]), prior, ridge: ridge) for h in hs]
  if metric == "unit" {
    scores = [
      max([abs(c) for c in column_correlations(host_eval(h[:, T - response - 1]), prior)])
        for h in hs
    ]
  }
  for i in highest([j for j in range(n)], layers, key: j => scores[j]) {
    unfreeze bs[i][tensors]
  }
}
