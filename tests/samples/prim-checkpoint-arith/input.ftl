// Checkpoint arithmetic: task vectors, TIES-style trimming, and a uniform soup.

/// Task arithmetic: base + lambda * sum of (fine-tuned - base).
merge task_arithmetic(base: string, tuned: [string], lambda: float = 0.3) =
  load(base) + lambda * sum(load(t) - load(base) for t in tuned)

/// Keep only the top `density` of each task vector by magnitude before adding.
merge trimmed(base: string, tuned: [string], density: float = 0.2) {
  let deltas = [load(t) - load(base) for t in tuned]
  let kept = [d * topk_mask(abs(d), density) for d in deltas]
  return load(base) + sum(kept) / len(kept)
}

merge uniform_soup(checkpoints: [string]) = sum(load(c) for c in checkpoints) / len(checkpoints)
