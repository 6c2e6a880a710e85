// Recipes with stages: one training graph per stage; recipe-level fields are inherited and
// overridden by the stage's own; methods accumulate from stage to stage.
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, recipeStages, type TrainingBuild } from '../../compiler/train/build.ts';

const text = `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.optim.sgd
import std.methods.bitfit
import std.methods.lora
recipe two {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(4)
  loss = causal_lm
  optim = adamw(lr: 1e-3)
  stage warm { apply bitfit; train(steps: 5) }
  stage tune {
    apply lora(r: 2, targets: "blocks.*.attn.q")
    optim = sgd(lr: 0.1)
    train(steps: 7)
  }
}`;
const file = 'examples/stages.ftl';
const program = parse(text, file).ast;
const build = (stage?: string) => buildTrainingGraph({ file, program }, { parse, stage });

describe('stages', () => {
  it('lists the stages and builds the first by default', () => {
    expect(recipeStages(program)).toEqual(['warm', 'tune']);
    const b = build() as TrainingBuild;
    expect(b.diagnostics).toEqual([]);
    expect([b.stage, b.stages, b.trainSpec.steps]).toEqual(['warm', ['warm', 'tune'], 5]);
    expect(b.params.filter((p) => p.trainable).every((p) => p.name.endsWith('.bias'))).toBe(true);
    expect(b.params.filter((p) => p.role === 'state').every((p) => /:(m|v)$/.test(p.name))).toBe(true); // adamw
  });

  it('a later stage keeps earlier methods, applies its own and overrides fields', () => {
    const warm = build('warm') as TrainingBuild;
    const tune = build('tune') as TrainingBuild;
    expect(tune.trainSpec.steps).toBe(7);
    // lora's `freeze all` comes after bitfit: only the adapters train now, with sgd state.
    const t = tune.params.filter((p) => p.trainable).map((p) => p.name);
    expect(t).toEqual([
      'blocks.0.attn.q.lora_a',
      'blocks.0.attn.q.lora_b',
      'blocks.1.attn.q.lora_a',
      'blocks.1.attn.q.lora_b',
    ]);
    expect(tune.params.filter((p) => p.role === 'state').every((p) => p.name.endsWith(':buf'))).toBe(true);
    // The base model's parameters keep their names, so weights carry over between stages.
    const base = (b: TrainingBuild) =>
      b.params.filter((p) => p.role === 'param' && !p.added).map((p) => p.name);
    expect(base(tune)).toEqual(base(warm));
  });

  it('an unknown stage is a diagnostic naming the stages', () => {
    const r = build('nope');
    expect(r.diagnostics.map((d) => [d.code, d.hint])).toEqual([['FTL0402', 'stages: warm, tune']]);
  });
});
