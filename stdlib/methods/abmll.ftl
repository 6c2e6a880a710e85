/// KL(N(mu, exp(logvar)) || N(prior_mu, prior_std^2)), summed over all entries:
/// log(prior_std) - logvar / 2 + (exp(logvar) + (mu - prior_mu)^2) / (2 prior_std^2) - 1/2.
fn gauss_kl(mu, logvar, prior_mu, prior_std: float) = sum(
  log(prior_std) - 0.5 * logvar + (exp(logvar) + (mu - prior_mu) ^ 2) / (2 * prior_std * prior_std) - 0.5
)

/// ABMLL (Zhang et al. 2025, "Amortized Bayesian Meta-Learning for Low-Rank Adaptation of
/// Large Language Models"), one task's variational LoRA: every matched linear gets global
/// LoRA factors (`lora_a`, `lora_b`: the meta-learned parameters shared across tasks) and a
/// task posterior q(A_t) = N(mu_a, exp(logvar_a)), q(B_t) = N(mu_b, exp(logvar_b)) whose prior
/// is centred on the global factors, p(A_t | A) = N(A, prior_std^2). The forward samples
/// A_t = mu_a + exp(logvar_a / 2) eps (reparameterised, fresh eps per step) and computes
/// W x + (alpha / r) B_t A_t x; the loss becomes the negative ELBO
/// loss + beta * [KL(q(A_t) || p(. | A)) + KL(q(B_t) || p(. | B))] summed over layers (beta
/// balances reconstruction against the task parameters' fidelity to the global ones; scale
/// it by 1 / dataset size for a per-token loss). Means start at the global factors (B at
/// zero), so the model starts as the base model in expectation; with beta = 0 and variances
/// -> 0 it is deterministic LoRA. `merge` folds the posterior mean. The structure and the
/// ELBO follow the paper's description (task-specific LoRA parameters with a prior centred on
/// global ones); the meta-learning outer loop over many tasks is one recipe stage per task.
method abmll(
  r: int = 8,
  alpha: float = 16.0,
  beta: float = 1e-4,
  prior_std: float = 0.1,
  init_logvar: float = -10.0,
  targets: pattern = "**"
) {
  freeze all
  let sites = modules(targets)
  for m: linear in sites {
    param m.lora_a: f32[r, m.in] init kaiming_uniform(a: sqrt(5)) trainable
    param m.lora_b: f32[m.out, r] init zeros trainable
    param m.mu_a: f32[r, m.in] init m.lora_a trainable
    param m.mu_b: f32[m.out, r] init zeros trainable
    param m.logvar_a: f32[r, m.in] init constant(init_logvar) trainable
    param m.logvar_b: f32[m.out, r] init constant(init_logvar) trainable
    wrap m(x) {
      let a = m.mu_a + exp(0.5 * m.logvar_a) * randn_like(m.mu_a) // (r, in)
      let b = m.mu_b + exp(0.5 * m.logvar_b) * randn_like(m.mu_b) // (out, r)
      return base(x) + (alpha / r) * (x @ a^T @ b^T)
    }
    merge m.weight += (alpha / r) * (m.mu_b @ m.mu_a)
  }
  let l = loss
  loss = (mm, bb) =>
    l(mm, bb)
      + beta
        * sum(
          [
            gauss_kl(m.mu_a, m.logvar_a, m.lora_a, prior_std)
              + gauss_kl(m.mu_b, m.logvar_b, m.lora_b, prior_std)
              for m in sites
          ]
        )
}
