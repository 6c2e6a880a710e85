/// Lookup table: row `ids[i]` of weight [n, d] for every id (token or position embeddings).
module embedding(n: int, d: int, std: float = 0.02) {
  param weight: f32[n, d] init normal(std: std)
  forward(ids: i32[...]) -> f32[..., d] = weight[ids]
}
