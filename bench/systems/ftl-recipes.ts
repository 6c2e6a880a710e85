// The ftl side of each workload as .ftl recipe text, mirroring bench/peer/: the same GPT-2
// layout (std.models.gpt2: separate q, k, v, o; GELU MLP of width 4d; pre-LayerNorm; tied
// head), init scheme (stdlib defaults: normal 0.02, zero biases, LayerNorm ones, LoRA A
// Kaiming-uniform, B zeros), optimizer and hyper-parameters. The harness feeds the peer's
// batches straight into the plan's input slots, so the `data` line fixes only the shapes.

import type { GptConfig, MlpConfig, Workload } from '../workloads.ts';

function gptRecipe(name: string, c: GptConfig, dataPath: string): string {
  const imports = ['std.models.gpt2', 'std.losses.causal_lm', 'std.optim.adamw'];
  let methodDecl = '';
  let apply = '';
  switch (c.method) {
    case 'lora':
      imports.push('std.methods.lora');
      apply = `  apply lora(r: ${c.lora!.r}, alpha: ${c.lora!.alpha}, targets: "blocks.*.attn.{q,v}")\n`;
      break;
    case 'bitfit':
      imports.push('std.methods.bitfit');
      apply = '  apply bitfit()\n';
      break;
    case 'last-block':
      methodDecl = `\n/// Only the last block trains.\nmethod last_block() {\n  freeze all\n  unfreeze "blocks.${c.layers - 1}.**"\n}\n`;
      apply = '  apply last_block()\n';
      break;
    case 'custom':
      imports.push(...c.custom!.imports);
      apply = `  apply ${c.custom!.apply}\n`;
      break;
    case 'full':
      break;
  }
  if (c.mlpRatio !== 4) throw new Error('std.models.gpt2 has an MLP ratio of 4');
  return `${imports.map((i) => `import ${i}`).join('\n')}
${methodDecl}
recipe ${name} {
  model = gpt2(vocab: ${c.vocab}, ctx: ${c.ctx}, d: ${c.d}, heads: ${c.heads}, layers: ${c.layers})
  data  = text(${JSON.stringify(dataPath)}) |> tokenize("bytes") |> chunks(seq: ${c.ctx}) |> batch(${c.batch})
${apply}  loss  = causal_lm
  optim = adamw(lr: ${c.lr}, weight_decay: ${c.weightDecay})
  train(steps: 1000)
}
`;
}

function mlpRecipe(name: string, c: MlpConfig): string {
  const [i, h1, h2, o] = c.sizes;
  return `import std.nn.linear
import std.losses.classification
import std.optim.adamw

/// ${c.sizes.join('-')} with ReLU; weights normal(0.02), zero biases (as the peer).
model mlp3() {
  l0 = linear(${i}, ${h1})
  l1 = linear(${h1}, ${h2})
  l2 = linear(${h2}, ${o})
  forward(x: f32[B, ${i}]) -> f32[B, ${o}] = l2(relu(l1(relu(l0(x)))))
}

recipe ${name} {
  model = mlp3()
  data  = synthetic_classification(n: ${c.batch * 16}, dim: ${i}, classes: ${o}, seed: 0) |> batch(${c.batch})
  loss  = classification
  optim = adamw(lr: ${c.lr})
  train(steps: 1000)
}
`;
}

/** Recipe text for a workload; `dataPath` is the byte corpus the GPT recipes name. */
export function recipeFor(w: Workload, dataPath: string): string {
  const name = `bench_${w.name.replace(/-/g, '_')}`;
  return w.config.kind === 'mlp' ? mlpRecipe(name, w.config) : gptRecipe(name, w.config, dataPath);
}
