/// LocFT-BF (Yang et al. 2025, "Fine-tuning Done Right in Model Editing"): localized
/// fine-tuning for model editing, trained breadth-first. Only the tensors matched by
/// `tensors` in the blocks listed in `layers` train (the paper tunes an MLP projection of
/// chosen layers; indices count from 0, negatives from the end); everything else is
/// frozen. Breadth-first is the data side of the recipe: the edits go through
/// `shuffle |> batch` once per epoch (mini-batches), not one edit at a time to convergence;
/// the depth-first contrast is written `|> repeat_each(n) |> batch(1)` (n steps per edit).
method locft(layers: [int] = [-2], tensors: pattern = "mlp.proj.weight") {
  freeze all
  let n = len(model.blocks)
  for i in layers {
    let j = i
    if i < 0 {
      j = n + i
    }
    unfreeze model.blocks[j][tensors]
  }
}
