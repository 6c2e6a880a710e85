// The ftl side of each workload as .ftl recipe text, mirroring bench/peer/ exactly: same
// shapes, init scheme, optimizer and hyper-parameters. The harness feeds the same batches
// as the peer straight into the plan's input slots, so the `data` line only fixes shapes.
//
// Written against LANGUAGE.md and the parser in grammar/ (tests/bench/recipes.test.ts parses
// every one). The tiny GPT's architecture is spelled out here rather than taken from
// std.models.gpt2 so that the bench does not depend on that module's defaults.

import type { GptConfig, MlpConfig, Workload } from '../workloads.ts';

const HEADER = `import std.losses.causal_lm
import std.optim.adam
import std.optim.adamw
import std.methods.lora
`;

/** Pre-LayerNorm GPT with separate q, k, v, o (LoRA targets q and v), GELU MLP, tied head. */
const GPT_MODEL = `
module linear(inp: int, out: int) {
  param weight: f32[out, inp] init normal(std: 0.02)
  param bias:   f32[out]      init zeros
  forward(x: f32[..., inp]) -> f32[..., out] = x @ weight^T + bias
}

module layernorm(d: int, eps: float = 1e-5) {
  param weight: f32[d] init ones
  param bias:   f32[d] init zeros
  forward(x: f32[..., d]) -> f32[..., d] = layer_norm(x, weight, bias, eps: eps)
}

module embedding(n: int, d: int) {
  param weight: f32[n, d] init normal(std: 0.02)
  forward(i: i32[...]) -> f32[..., d] = weight[i]
}

module attention(d: int, heads: int) {
  q = linear(d, d)
  k = linear(d, d)
  v = linear(d, d)
  o = linear(d, d)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let hd = d / heads
    let split = (t) => t.reshape(B, T, heads, hd).transpose(1, 2)   // (B, H, T, hd)
    let att = softmax(causal_mask(split(q(x)) @ split(k(x))^T / sqrt(hd)), axis: -1)
    return o((att @ split(v(x))).transpose(1, 2).reshape(B, T, d))
  }
}

module mlp(d: int, ratio: int) {
  fc = linear(d, ratio * d)
  proj = linear(ratio * d, d)
  forward(x: f32[..., d]) -> f32[..., d] = proj(gelu(fc(x)))
}

module block(d: int, heads: int, ratio: int) {
  ln1 = layernorm(d)
  attn = attention(d, heads)
  ln2 = layernorm(d)
  mlp = mlp(d, ratio)
  forward(x: f32[B, T, d]) -> f32[B, T, d] {
    let h = x + attn(ln1(x))
    return h + mlp(ln2(h))
  }
}

model gpt(vocab: int, ctx: int, d: int, heads: int, layers: int, ratio: int) {
  wte = embedding(vocab, d)
  wpe = embedding(ctx, d)
  blocks[layers] = block(d, heads, ratio)
  ln_f = layernorm(d)
  forward(tokens: i32[B, T]) -> f32[B, T, vocab] {
    let x = wte(tokens) + wpe(arange(T))
    for b in blocks { x = b(x) }
    return ln_f(x) @ wte.weight^T
  }
}

/// Bias-only updates (BitFit).
method biases_only() { freeze all; unfreeze "**.bias" }
`;

function gptRecipe(name: string, c: GptConfig, dataPath: string): string {
  const method =
    c.method === 'lora'
      ? `  apply lora(r: ${c.lora!.r}, alpha: ${c.lora!.alpha}, targets: "blocks.*.attn.{q,v}")\n`
      : c.method === 'bitfit'
        ? '  apply biases_only()\n'
        : c.method === 'last-block'
          ? `  apply last_block()\n`
          : '';
  const lastBlock =
    c.method === 'last-block'
      ? `\n/// Only the last block trains.\nmethod last_block() { freeze all; unfreeze "blocks.${c.layers - 1}.**" }\n`
      : '';
  return `${HEADER}${GPT_MODEL}${lastBlock}
recipe ${name} {
  model = gpt(vocab: ${c.vocab}, ctx: ${c.ctx}, d: ${c.d}, heads: ${c.heads}, layers: ${c.layers}, ratio: ${c.mlpRatio})
  data  = bytes(${JSON.stringify(dataPath)}) |> chunks(seq: ${c.ctx}) |> batch(${c.batch})
${method}  loss  = causal_lm
  optim = adamw(lr: ${c.lr}, weight_decay: ${c.weightDecay})
  train(steps: 1000)
}
`;
}

function mlpRecipe(name: string, c: MlpConfig, dataPath: string): string {
  const [i, h1, h2, o] = c.sizes;
  return `${HEADER}
module linear(inp: int, out: int) {
  param weight: f32[out, inp] init normal(std: 0.02)
  param bias:   f32[out]      init zeros
  forward(x: f32[..., inp]) -> f32[..., out] = x @ weight^T + bias
}

model mlp() {
  l0 = linear(${i}, ${h1})
  l1 = linear(${h1}, ${h2})
  l2 = linear(${h2}, ${o})
  forward(x: f32[B, ${i}]) -> f32[B, ${o}] = l2(relu(l1(relu(l0(x)))))
}

loss classify(model, batch) = cross_entropy(model(batch.x), batch.label)

recipe ${name} {
  model = mlp()
  data  = jsonl(${JSON.stringify(dataPath)}) |> batch(${c.batch})
  loss  = classify
  optim = adam(lr: ${c.lr})
  train(steps: 1000)
}
`;
}

/** Recipe text for a workload; `dataPath` is where the harness wrote the workload's data. */
export function recipeFor(w: Workload, dataPath: string): string {
  const name = `bench_${w.name.replace(/-/g, '_')}`;
  return w.config.kind === 'mlp' ? mlpRecipe(name, w.config, dataPath) : gptRecipe(name, w.config, dataPath);
}
