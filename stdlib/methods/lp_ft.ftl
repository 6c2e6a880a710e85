/// Linear probing (the LP stage of LP-FT; Kumar et al. 2022, analysed for language models
/// by Tomihari & Sato 2024, "Understanding Linear Probing then Fine-tuning Language Models
/// from NTK Perspective"): freeze the backbone and train only the classification head
/// matched by `head`. Follow it with a stage that applies `full_finetune` (or `lora`): the
/// head starts from its probed value, which limits feature distortion.
method linear_probe(head: pattern = "head") {
  freeze all
  unfreeze head
}

/// Full fine-tuning: every parameter trains (the FT stage of LP-FT).
method full_finetune() {
  unfreeze all
}

/// Temperature scaling (Guo et al. 2017), the calibration fix LP-FT's analysis recommends
/// for the large head norm it produces: logits are divided by a learned scalar T (init 1)
/// and only T trains, usually in a last stage on validation data. Dividing by T > 0 never
/// changes the argmax prediction. `merge` leaves the model unchanged (T is kept apart).
method temperature_scaling() {
  freeze all
  param model.temperature: f32[1] init ones trainable
  wrap model(x) = base(x) / model.temperature
}
