// Step 2: LoRA instruction tuning of the pretrained model (its exported Hugging Face folder)
// on prompt/completion pairs; only the completion tokens count in the loss.
//
//   ftl run examples/lora-instruct.ftl                    (writes examples/out/lora-instruct)
//   ftl export examples/out/lora-instruct --to examples/out/lora-hf
//   ftl generate --model examples/out/pretrain-hf --adapter examples/out/lora-hf/adapter \
//     --prompt "Question: What is 2 plus 3?
//   Answer:"
// (or --model examples/out/lora-hf: the same model with the adapter merged in)
import std.models.llama
import std.methods.lora
import std.losses.causal_lm
import std.optim.adamw

recipe lora_instruct {
  model = llama.load("out/pretrain-hf")
  data  = jsonl("data/instructions.jsonl") |> tokenize(model.tokenizer) |> pad(seq: 48) |> shuffle(seed: 0) |> batch(8)
  apply lora(r: 8, alpha: 16, targets: "layers.*.self_attn.{q_proj,v_proj}")
  loss  = causal_lm
  optim = adamw(lr: 3e-3)
  train(steps: 200, log_every: 20, save: "out/lora-instruct")
}
