import std.models.llama
import std.methods.lora
recipe r {
  model = llama.load("models/tiny-llama")
  stage s {
    apply lora(targets: "layers.*.self_attn.{q_proj,v_proj}")
    apply lora(r: 4, targets: "layers.*.attn.q")
//                            ^^^^^^^^^^^^^^^^^ FTL0403
  }
}
