fn shifted(logits: f32[B, T, V], mask: f32[B, T]) = logits[:, :-1] * mask[:, 1:]
//                                                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ FTL0203
fn ok(logits: f32[B, T, V]) = logits[:, 1:] - logits[:, :-1]
