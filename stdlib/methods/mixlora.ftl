/// Switch-Transformer load-balance loss of one router: E * sum_e f_e P_e, with
/// P_e = mean router probability of expert e and f_e = fraction of the top-k assignments
/// that went to e (each token makes k). probs, mask: (B, T, E). Perfectly uniform routing
/// gives 1.
fn switch_balance(probs, mask, k: int) {
  let e = probs.shape[2]
  let f = mean(mask, axis: [0, 1]) / k // (E)
  let p = mean(probs, axis: [0, 1]) // (E)
  return e * sum(f * p)
}

/// One LoRA expert bank applied to a linear layer's input: base(x) + s x A_e^T B_e^T for
/// every expert e at once. x: (B, T, in), a: (E, r, in), b: (E, out, r); returns
/// (B, T, E, out) given y = base(x) (B, T, out).
fn lora_bank(x, y, a, b, s: float) {
  let xs = x.shape
  let x5 = reshape(x, [xs[0], xs[1], 1, 1, xs[2]]) // (B, T, 1, 1, in)
  let d = x5 @ permute(a, [0, 2, 1]) @ permute(b, [0, 2, 1]) // (B, T, E, 1, out)
  let ys = y.shape
  return reshape(y, [ys[0], ys[1], 1, ys[2]]) + s * reshape(d, [ys[0], ys[1], a.shape[0], ys[2]])
}

/// Expert rows for sparse dispatch: how many (token, expert) slots each expert gets for n
/// tokens, ceil(capacity * k * n / E) capped at n (capacity is Switch's capacity factor: 1 =
/// the average load; >= E / k never drops).
fn expert_capacity(n: int, experts: int, k: int, capacity: float) -> int {
  let c = ceil(capacity * k * n / experts)
  if c > n {
    c = n
  }
  return c
}

/// The sparse form of `y0 + sum_e g_e (y_e - y0)`: ye (E, cap, d) is every expert's output on
/// its routed rows `idx` (E, cap), w (E, cap) their gates (route); y0 (B, T, d) the base
/// output. Each slot adds w (y_e - y0) to its token's row (scatter_add); empty and dropped
/// slots add nothing, so a dropped (token, expert) pair keeps the base output for that share.
fn combine_experts(y0, ye, idx, w) {
  let ys = y0.shape
  let n = ys[0] * ys[1]
  let ws = w.shape
  let base_rows = gather(reshape(y0, [n, ys[2]]), idx) // (E, cap, d)
  let d = reshape(w, [ws[0], ws[1], 1]) * (ye - base_rows)
  return y0 + reshape(scatter_add(idx, d, n), ys)
}

/// x @ A_e^T @ B_e^T per expert on its own rows: xe (E, cap, in), a (E, r, in), b (E, out, r).
fn lora_rows(xe, a, b) = xe @ permute(a, [0, 2, 1]) @ permute(b, [0, 2, 1])

/// MixLoRA (Li et al. 2024, "MixLoRA: Enhancing Large Language Models Fine-Tuning with
/// LoRA based Mixture of Experts"): every matched MLP (GPT-2 `mlp`: proj(gelu(fc(x))), or
/// Llama `swiglu`: down(silu(gate(x)) * up(x)), every projection with its own expert LoRAs)
/// becomes a sparse mixture of `experts` LoRA experts that share the frozen dense weights:
/// expert e computes proj_e(gelu(fc_e(x))) with fc_e = fc + (alpha/r) B_e A_e (same for
/// proj). A linear router (E, d) gives p = softmax(x W_r^T); each token keeps its top `k`
/// experts, gates renormalised over them (g = p * topk / sum), and the block outputs
/// base(x) + sum_e g_e (y_e - base(x)) (= sum_e g_e y_e since the gates sum to one, and
/// exactly base(x) while every B_e is zero). The Switch load-balance loss
/// `balance * mean over layers of E sum_e f_e P_e` is added to the recipe's loss (read
/// through the taps "mixlora.probs" / "mixlora.mask"). `attn_r > 0` also puts plain LoRA
/// adapters of that rank on `attn_targets` (the paper's attention-layer adapters).
/// `capacity: 0` computes the experts densely (every expert on every token, then gated:
/// exact). `capacity > 0` dispatches sparsely: `route` gives each expert the list of tokens
/// that chose it, at most expert_capacity(...) of them (token order; later tokens past the
/// capacity are dropped for that expert, as in Switch/GShard: they keep the frozen MLP's
/// output for that share); the experts run as batched matmuls on E x cap gathered rows
/// (expert FLOPs ~ capacity * k / E of the dense form) and scatter_add back, gate-weighted.
/// With capacity >= E / k nothing is dropped and the output equals the dense form.
method mixlora(
  experts: int = 4,
  k: int = 2,
  r: int = 8,
  alpha: float = 16.0,
  balance: float = 0.01,
  capacity: float = 0.0,
  targets: pattern = "blocks.*.mlp",
  attn_r: int = 0,
  attn_targets: pattern = "blocks.*.attn.{q,v}"
) {
  freeze all
  let sites = modules(targets)
  let s = alpha / r
  for m: mlp in sites {
    param m.router: f32[experts, m.fc.in] init normal(std: 0.02) trainable
    param m.fc_a: f32[experts, r, m.fc.in] init normal(std: 0.02) trainable
    param m.fc_b: f32[experts, m.fc.out, r] init zeros trainable
    param m.proj_a: f32[experts, r, m.proj.in] init normal(std: 0.02) trainable
    param m.proj_b: f32[experts, m.proj.out, r] init zeros trainable
    wrap m(x) {
      let y0 = base(x) // (B, T, d)
      let p = tap("mixlora.probs", softmax(x @ m.router^T)) // (B, T, E)
      let top = tap("mixlora.mask", topk_mask(p, k)) // (B, T, E)
      let g = p * top / sum(p * top, axis: -1, keepdim: true) // (B, T, E)
      if capacity > 0 {
        let xs = x.shape
        let n = xs[0] * xs[1]
        let r = route(
          reshape(top, [n, experts]),
          reshape(g, [n, experts]),
          expert_capacity(n, experts, k, capacity)
        )
        let idx = r[0] // (E, cap) token rows
        let xe = gather(reshape(x, [n, xs[2]]), idx) // (E, cap, d)
        let fx = reshape(m.fc(x), [n, m.fc.out]) // the frozen fc, once per token
        let he = gelu(gather(fx, idx) + s * lora_rows(xe, m.fc_a, m.fc_b)) // (E, cap, hidden)
        let ye = he @ m.proj.weight^T + m.proj.bias + s * lora_rows(he, m.proj_a, m.proj_b)
        return combine_experts(y0, ye, idx, r[1])
      }
      let h = gelu(lora_bank(x, m.fc(x), m.fc_a, m.fc_b, s)) // (B, T, E, hidden)
      let hp = h @ m.proj.weight^T + m.proj.bias // (B, T, E, d)
      let hs = h.shape
      let dp = reshape(
        reshape(h, [hs[0], hs[1], hs[2], 1, hs[3]])
          @ permute(m.proj_a, [0, 2, 1])
          @ permute(m.proj_b, [0, 2, 1]),
        [hs[0], hs[1], hs[2], m.proj.out]
      )
      let y = hp + s * dp // (B, T, E, d)
      let gs = g.shape
      let y0e = reshape(y0, [gs[0], gs[1], 1, m.proj.out])
      return y0 + sum(reshape(g, [gs[0], gs[1], gs[2], 1]) * (y - y0e), axis: 2)
    }
  }
  // Llama-family SwiGLU MLPs: expert e computes down_e(silu(gate_e(x)) * up_e(x)), each of the
  // three projections with its own LoRA factors over the frozen weights.
  for m: swiglu in sites {
    param m.router: f32[experts, m.gate_proj.in] init normal(std: 0.02) trainable
    param m.gate_a: f32[experts, r, m.gate_proj.in] init normal(std: 0.02) trainable
    param m.gate_b: f32[experts, m.gate_proj.out, r] init zeros trainable
    param m.up_a: f32[experts, r, m.up_proj.in] init normal(std: 0.02) trainable
    param m.up_b: f32[experts, m.up_proj.out, r] init zeros trainable
    param m.down_a: f32[experts, r, m.down_proj.in] init normal(std: 0.02) trainable
    param m.down_b: f32[experts, m.down_proj.out, r] init zeros trainable
    wrap m(x) {
      let y0 = base(x) // (B, T, d)
      let p = tap("mixlora.probs", softmax(x @ m.router^T)) // (B, T, E)
      let top = tap("mixlora.mask", topk_mask(p, k)) // (B, T, E)
      let g = p * top / sum(p * top, axis: -1, keepdim: true) // (B, T, E)
      if capacity > 0 {
        let xs = x.shape
        let n = xs[0] * xs[1]
        let r = route(
          reshape(top, [n, experts]),
          reshape(g, [n, experts]),
          expert_capacity(n, experts, k, capacity)
        )
        let idx = r[0] // (E, cap) token rows
        let xe = gather(reshape(x, [n, xs[2]]), idx) // (E, cap, d)
        let gx = gather(reshape(m.gate_proj(x), [n, m.gate_proj.out]), idx)
        let ux = gather(reshape(m.up_proj(x), [n, m.up_proj.out]), idx)
        let he = silu(gx + s * lora_rows(xe, m.gate_a, m.gate_b)) * (ux + s * lora_rows(xe, m.up_a, m.up_b))
        let ye = he @ m.down_proj.weight^T + s * lora_rows(he, m.down_a, m.down_b) // (E, cap, d)
        return combine_experts(y0, ye, idx, r[1])
      }
      let hg = silu(lora_bank(x, m.gate_proj(x), m.gate_a, m.gate_b, s)) // (B, T, E, hidden)
      let h = hg * lora_bank(x, m.up_proj(x), m.up_a, m.up_b, s)
      let hs = h.shape
      let h5 = reshape(h, [hs[0], hs[1], hs[2], 1, hs[3]])
      let d5 = h5 @ permute(m.down_a, [0, 2, 1]) @ permute(m.down_b, [0, 2, 1])
      let dp = reshape(d5, [hs[0], hs[1], hs[2], m.down_proj.out])
      let y = h @ m.down_proj.weight^T + s * dp // (B, T, E, d)
      let gs = g.shape
      let y0e = reshape(y0, [gs[0], gs[1], 1, m.down_proj.out])
      return y0 + sum(reshape(g, [gs[0], gs[1], gs[2], 1]) * (y - y0e), axis: 2)
    }
  }
  if attn_r > 0 {
    for m: linear in modules(attn_targets) {
      param m.lora_a: f32[attn_r, m.in] init kaiming_uniform(a: sqrt(5)) trainable
      param m.lora_b: f32[m.out, attn_r] init zeros trainable
      wrap m(x) = base(x) + (alpha / attn_r) * (x @ m.lora_a^T @ m.lora_b^T)
      merge m.weight += (alpha / attn_r) * (m.lora_b @ m.lora_a)
    }
  }
  let n = len(sites)
  let l = loss
  loss = (mm, bb) =>
    l(mm, bb)
      + balance
        * sum(
          [
            switch_balance(p, t, k)
              for p, t in zip(last(taps("mixlora.probs"), n), last(taps("mixlora.mask"), n))
          ]
        )
        / n
}
