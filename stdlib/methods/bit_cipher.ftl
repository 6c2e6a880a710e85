/// Bit-cipher embeddings (Zhao et al. 2023, "Bit Cipher -- A Simple yet Powerful Word
/// Representation System that Integrates Efficiently with Language Models"): the embedding
/// table of `embed` is replaced, before fine-tuning, by bit-cipher vectors computed on the
/// host from `batches` batches of the recipe's own data without backpropagation: a
/// frequency-rank binary cipher per token plus the sum of its neighbours' ciphers within
/// `window` (compiler/features/bit-cipher.ts documents the construction ftl uses; the
/// paper's exact recipe is not in its abstract). `mode` "sum" needs bits = d, "concat"
/// needs 2 bits = d. With `frozen_embeddings` the table stays fixed and the rest of the
/// model trains; otherwise everything trains from the cipher initialisation.
method bit_cipher(mode: string = "sum", window: int = 2, batches: int = 4,
                  frozen_embeddings: bool = true, embed: pattern = "wte") {
  unfreeze all
  let xs = calibration_tokens(data, batches: batches)
  for e in modules(embed) {
    let bits = e.d
    if mode == "concat" { bits = e.d / 2 }
    reinit(e.weight, bit_cipher_vectors(xs, vocab: e.n, bits: bits, window: window, mode: mode))
    if frozen_embeddings { freeze e["weight"] }
  }
}
