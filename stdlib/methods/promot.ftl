import std.methods.prompt_tuning

/// ProMoT (Wang et al. 2023, "Two-stage LLM Fine-tuning with Less Specialization and More
/// Generalization" / "Preserving In-Context Learning ability in Large Language Model
/// Fine-tuning"): prompt tuning then model tuning. Stage 1 applies `prompt_tuning` (the
/// soft prompt absorbs the task's format, the model frozen); stage 2 applies
/// `promot_model_tuning`, which trains the model with that prompt attached and frozen:
///   stage prompt { apply prompt_tuning(length: 8); train(steps: ...) }
///   stage model  { apply promot_model_tuning; train(steps: ...) }
/// For other tasks the prompt is removed: the exported model (`ftl export`, which keeps
/// only base-model tensors) is the model without the prompt; the run checkpoint holds the
/// model with it.
method promot_model_tuning() {
  unfreeze all
  freeze "**.soft_prompt"
}
