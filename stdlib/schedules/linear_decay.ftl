/// Linear warmup from 0 over `warmup` steps, then linear decay to `min_ratio` at the last
/// step (Hugging Face get_linear_schedule_with_warmup). `step` is 1-based; `steps` is the total.
schedule linear_decay(warmup: int = 0, min_ratio: float = 0.0) =
  where(step <= warmup, step / max(warmup, 1),
        min_ratio + (1 - min_ratio) * max(0.0, (steps - step) / max(steps - warmup, 1)))
