// The benchmark workloads (issue 10), as plain data both systems build from: same shapes,
// initialisation scheme (normal std 0.02 for weights, zeros for biases, ones for layernorm
// gains; LoRA A Kaiming-uniform with a = sqrt(5), B zeros), optimizer and data.
//
// Step counts are chosen so the whole run (peer on WebGPU, peer on CPU, ftl) fits in 10
// minutes on a 2-core machine without a GPU (Dawn on llvmpipe); `--quick` shrinks them.

export interface MlpConfig {
  kind: 'mlp';
  /** Layer widths, input first: 784-256-256-10. */
  sizes: number[];
  batch: number;
  lr: number;
}

export type GptMethod = 'full' | 'lora' | 'bitfit' | 'last-block' | 'custom';

export interface GptConfig {
  kind: 'gpt';
  vocab: number;
  ctx: number;
  d: number;
  heads: number;
  layers: number;
  mlpRatio: number;
  batch: number;
  lr: number;
  weightDecay: number;
  method: GptMethod;
  /** LoRA rank and scale (alpha / r), applied to attn.q and attn.v. */
  lora?: { r: number; alpha: number };
  /** `custom`: modules to import and the `apply` call (bench/methods.ts). */
  custom?: { imports: string[]; apply: string };
}

export interface Workload {
  /** Short name used by `--only` and in the table. */
  name: string;
  title: string;
  config: MlpConfig | GptConfig;
  /** Steps run (untimed) after the first step, before measuring. */
  warmup: number;
  /** Timed steps; the median is reported. */
  steps: number;
  /**
   * Timed steps for the CPU reference (tfjs-cpu runs the tiny GPT at ~6 s a step on 2 cores),
   * 0 to skip it. It gets no warm-up: the CPU backend compiles nothing.
   */
  referenceSteps: number;
  /** Examples (MLP) or tokens (GPT) processed per step. */
  itemsPerStep: number;
  /** Which workload's ftl result this one is compared with when the peer cannot run it. */
  compareWithOwn?: string;
  /** Systems that cannot express the workload (the peer has no bias-only / block-sparse mode here). */
  ftlOnly?: boolean;
  /** Also run ftl with its optimization passes off (issue 6's comparison), for this many timed steps. */
  ablationSteps?: number;
}

const tinyGpt = (method: GptMethod, extra: Partial<GptConfig> = {}): GptConfig => ({
  kind: 'gpt',
  vocab: 256,
  ctx: 64,
  d: 128,
  heads: 4,
  layers: 2,
  mlpRatio: 4,
  batch: 8,
  lr: 3e-4,
  weightDecay: 0.01,
  method,
  ...extra,
});

const gptItems = (c: GptConfig) => c.batch * c.ctx;

export function workloads(quick: boolean): Workload[] {
  const steps = quick ? 5 : 20;
  const warmup = quick ? 1 : 2;
  const ref = quick ? 1 : 2;
  const ablationSteps = quick ? 2 : 5;
  const mlp: MlpConfig = { kind: 'mlp', sizes: [784, 256, 256, 10], batch: 64, lr: 1e-3 };
  const gpt = tinyGpt('full');
  const lora = tinyGpt('lora', { lora: { r: 8, alpha: 16 } });
  const bitfit = tinyGpt('bitfit');
  const last = tinyGpt('last-block');
  // The larger GPT: 6 layers, d_model 384, context 256. The peer takes 6-16 s a step at batch
  // 1 on llvmpipe (2 cores), so the batch is 1 and it gets 3 timed steps, not 20.
  const large: GptConfig = { ...tinyGpt('full'), ctx: 256, d: 384, heads: 6, layers: 6, batch: 1 };
  return [
    {
      name: 'mlp',
      title: 'MLP 784-256-256-10, batch 64, Adam',
      config: mlp,
      warmup,
      steps,
      referenceSteps: quick ? 5 : 20,
      itemsPerStep: mlp.batch,
    },
    {
      name: 'gpt',
      title: 'tiny GPT full fine-tuning, AdamW',
      config: gpt,
      warmup,
      steps,
      referenceSteps: ref,
      ablationSteps,
      itemsPerStep: gptItems(gpt),
    },
    {
      name: 'gpt-lora',
      title: 'tiny GPT + LoRA r=8 on q,v',
      config: lora,
      warmup,
      steps,
      referenceSteps: 0, // the CPU reference runs the full-FT GPT only: ~7-20 s a step
      ablationSteps,
      itemsPerStep: gptItems(lora),
    },
    {
      name: 'gpt-bitfit',
      title: 'tiny GPT, bias-only updates',
      config: bitfit,
      warmup,
      steps,
      referenceSteps: 0,
      itemsPerStep: gptItems(bitfit),
      ftlOnly: true,
      ablationSteps,
      compareWithOwn: 'gpt',
    },
    {
      name: 'gpt-last-block',
      title: 'tiny GPT, last-block-only updates',
      config: last,
      warmup,
      steps,
      referenceSteps: 0,
      itemsPerStep: gptItems(last),
      ftlOnly: true,
      ablationSteps,
      compareWithOwn: 'gpt',
    },
    {
      name: 'gpt-large',
      title: 'GPT 6 layers, d 384, ctx 256, batch 1',
      config: large,
      warmup: quick ? 0 : 1,
      steps: quick ? 2 : 3,
      referenceSteps: 0,
      itemsPerStep: gptItems(large),
    },
  ];
}

/** GPT-2 small (124M): compiled, not run, to time the compiler on a 12-layer model. */
export function gpt2Small(): Workload {
  const config: GptConfig = {
    ...tinyGpt('full'),
    vocab: 50257,
    ctx: 1024,
    d: 768,
    heads: 12,
    layers: 12,
    batch: 1,
  };
  return {
    name: 'gpt2-small-compile',
    title: 'compile a GPT-2 small recipe',
    config,
    warmup: 0,
    steps: 0,
    referenceSteps: 0,
    itemsPerStep: 1024,
  };
}
