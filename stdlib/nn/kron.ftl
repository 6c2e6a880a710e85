/// Kronecker product of two matrices from reshapes and a broadcast multiply:
/// a[a1, a2] (x) b[b1, b2] -> [a1 * b1, a2 * b2], entry (i b1 + k, j b2 + l) = a[i, j] b[k, l].
fn kron(a, b) {
  let a1 = a.shape[0]
  let a2 = a.shape[1]
  let b1 = b.shape[0]
  let b2 = b.shape[1]
  return reshape(reshape(a, [a1, 1, a2, 1]) * reshape(b, [1, b1, 1, b2]), [a1 * b1, a2 * b2])
}

/// x (a (x) b)^T without forming the Kronecker product: for x[B, T, a2 * b2] viewed as
/// X[B, T, a2, b2], (a (x) b) vec(X) = vec(a X b^T), so the result is a @ X @ b^T
/// reshaped to [B, T, a1 * b1]. Cost O(B T (a1 a2 b2 + a1 b2 b1)) instead of O(B T out in).
fn kron_matvec(x, a, b) {
  let s = x.shape
  let xr = reshape(x, [s[0], s[1], a.shape[1], b.shape[1]])          // (B, T, a2, b2)
  return reshape(a @ xr @ b^T, [s[0], s[1], a.shape[0] * b.shape[0]])  // (B, T, a1 * b1)
}
