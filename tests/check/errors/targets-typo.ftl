import std.models.gpt2
import std.methods.lora
import std.methods.sparse_update
recipe r {
  model = gpt2.load("models/tiny-gpt2")
  apply lora(targets: "blocks.*.attn.{q_proj,v}")
//                    ^^^^^^^^^^^^^^^^^^^^^^^^^^ FTL0403
  apply lora(targets: "blocks.3.attn.q")
  apply sparse_update(tensors: "mlp.**.weight")
}
