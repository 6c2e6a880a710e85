/// Linear warmup over `warmup` steps, then a half cosine from 1 down to `min_ratio` at the
/// last step (Hugging Face get_cosine_schedule_with_warmup). `step` is 1-based.
schedule cosine(warmup: int = 0, min_ratio: float = 0.0) =
  where(step <= warmup, step / max(warmup, 1),
        min_ratio + (1 - min_ratio) * 0.5 * (1 + cos(pi * (step - warmup) / max(steps - warmup, 1))))
