import std.nn.linear

/// InfMLLM's pool-adapter (Zhou et al. 2023, "InfMLLM: A Unified Framework for
/// Visual-Language Tasks"): a `grid` x `grid` patch grid of d-dim embeddings in raster order
/// (row by row) is average-pooled over `grid / pooled` x `grid / pooled` windows to a
/// `pooled` x `pooled` grid, kept in raster order (so positions survive), then projected to
/// `out` dims: [B, grid^2, d] -> [B, pooled^2, out]. `grid` must be a multiple of `pooled`.
module pool_adapter(d: int, grid: int, pooled: int, out: int) {
  proj = linear(d, out)
  forward(x: f32[B, N, d]) {
    let f = grid / pooled
    let x6 = reshape(x, [x.shape[0], pooled, f, pooled, f, d]) // (B, row, f, col, f, d)
    let p = mean(x6, axis: [2, 4]) // (B, pooled, pooled, d)
    return proj(reshape(p, [x.shape[0], pooled * pooled, d])) // (B, pooled^2, out)
  }
}
