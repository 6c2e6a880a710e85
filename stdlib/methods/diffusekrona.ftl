import std.nn.kron

/// DiffuseKronA (Marjit et al. 2024, "DiffuseKronA: A Parameter Efficient Fine-tuning Method
/// for Personalized Diffusion Models"): a Kronecker-product update dW = A (x) B on every
/// `linear` matched by `targets`, A[a1, a2], B[out / a1, in / a2]:
///   y = W x + scale (A (x) B) x,  computed as vec(A X B^T) without forming dW.
/// The paper adapts the attention projections of a diffusion UNet; here the same adapter is
/// applied to the transformer's linears (ftl has no UNet). `a1`, `a2` set the factor shapes
/// (they must divide out / in). A is Kaiming-uniform and B zero, so dW = 0 at the start (as
/// in LoKr; the paper's exact init is not in the abstract). Only A and B train; `merge` adds
/// scale * kron(A, B) to the weight.
method diffusekrona(a1: int = 2, a2: int = 2, scale: float = 1.0, targets: pattern = "blocks.*.attn.{q,k,v,o}") {
  freeze all
  for m: linear in modules(targets) {
    param m.kron_a: f32[a1, a2] init kaiming_uniform(a: sqrt(5)) trainable
    param m.kron_b: f32[m.out / a1, m.in / a2] init zeros trainable
    wrap m(x) = base(x) + scale * kron_matvec(x, m.kron_a, m.kron_b)
    merge m.weight += scale * kron(m.kron_a, m.kron_b)
  }
}
