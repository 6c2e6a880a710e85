// Method composition (`apply` inside a method body, compiler/elaborate/methods.ts): a method
// that applies others compiles to the same training graph, parameters, initial values and
// losses as applying those methods one after another at recipe level; recipe parts (`loss`)
// flow into and out of the inner method; a method that applies itself (directly or through
// another) is FTL0408 naming the cycle, from the checker and from elaboration; the checker
// validates the inner apply's callee and arguments with their locations.
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/check/index.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { printGraph } from '../../compiler/ir/print.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { step } from '../../runtime/cpu/index.ts';
import { train, trainDiagnostics } from '../stdlib/helpers.ts';
import { tokenInputs } from '../methods/wave1b-helpers.ts';

const header = `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lora
import std.methods.bitfit
import std.methods.prefix_tuning
import std.methods.parallel_adapter
import std.methods.train_only
`;

/** A recipe with local method declarations `methods` and the recipe-level `applies`. */
const recipe = (methods: string, applies: string) => `${header}
${methods}
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(4)
  loss = causal_lm
  ${applies}
  optim = adamw(lr: 1e-2)
  train(steps: 5)
}`;

/** Every observable of a build: graph text, parameter table, initial values, 5 CPU losses. */
function fingerprint(b: TrainingBuild) {
  const store = b.initialValues(3);
  const init = [...store].map(([k, v]) => [k, Array.from(v)]);
  const losses: number[] = [];
  for (let s = 1; s <= 5; s++) losses.push(step(b.graph, store, tokenInputs(4, 8, 16, s)).loss[0]);
  return {
    graph: printGraph(b.graph, { spans: false }),
    params: b.params.map((p) => [p.name, p.shape, p.trainable, p.added ?? false]),
    init,
    losses,
  };
}

const aux = `
/// adds w * mean(wte^2) to whatever the loss is so far
method aux(w: float) {
  let l = loss
  loss = (m, b) => l(m, b) + w * mean(m.wte.weight * m.wte.weight)
}
/// twices the loss so far
method twice() {
  let l = loss
  loss = (m, b) => 2.0 * l(m, b)
}`;

describe('method composition', () => {
  it('MAM (prefix_tuning + parallel_adapter composed) equals the two applied at recipe level', () => {
    const composed = fingerprint(train(recipe('', 'apply mam_adapter(prefix: 2, size: 4, scale: 2.0)')));
    const flat = fingerprint(
      train(
        recipe(
          '',
          `apply prefix_tuning(length: 2)
  apply parallel_adapter(size: 4, scale: 2.0)
  apply train_only("**.{prefix_k,prefix_v,adapter}")`,
        ),
      ),
    );
    expect(composed.graph).toEqual(flat.graph);
    expect(composed.params).toEqual(flat.params);
    expect(composed.init).toEqual(flat.init);
    expect(composed.losses).toEqual(flat.losses);
    // the prefixes and adapters really trained: the loss moved
    expect(composed.losses[4]).not.toBe(composed.losses[0]);
    expect(composed.params.filter((p) => p[2]).length).toBe(2 * 6);
  });

  it('arguments are forwarded and recipe parts flow in and out of the inner method', () => {
    const methods = `${aux}
method combo(r: int, w: float) {
  apply lora(r: r, targets: "blocks.*.attn.{q,v}")
  apply aux(w: w)
  apply twice
  unfreeze "**.bias"
}`;
    const composed = fingerprint(train(recipe(methods, 'apply combo(r: 2, w: 0.5)')));
    const flat = fingerprint(
      train(
        recipe(
          methods,
          `apply lora(r: 2, targets: "blocks.*.attn.{q,v}")
  apply aux(w: 0.5)
  apply twice
  apply bitfit_keep`,
        ).replace('method combo', 'method bitfit_keep() { unfreeze "**.bias" }\nmethod combo'),
      ),
    );
    expect(composed).toEqual(flat);
    // and the aux term is really in: without it the losses differ
    const plain = fingerprint(
      train(recipe(methods, 'apply lora(r: 2, targets: "blocks.*.attn.{q,v}")\n  apply twice')),
    );
    expect(plain.losses[0]).not.toBe(composed.losses[0]);
  });

  it('nested composition (a composed method applied inside another) is the flat sequence', () => {
    const methods = `${aux}
method inner(w: float) { apply aux(w: w) }
method outer(w: float) { apply inner(w: w * 2.0) apply twice }`;
    const composed = fingerprint(train(recipe(methods, 'apply lora(r: 2)\n  apply outer(w: 0.25)')));
    const flat = fingerprint(train(recipe(methods, 'apply lora(r: 2)\n  apply aux(w: 0.5)\n  apply twice')));
    expect(composed).toEqual(flat);
  });
});

const cycle = `
method loop_a() { apply lora(r: 2) apply loop_b() }
method loop_b() { apply loop_a }
method self_loop(r: int = 2) { apply self_loop(r: r) }`;

const at = (text: string, d: Diagnostic | undefined) =>
  d?.span ? text.slice(d.span.start, d.span.end) : undefined;

describe('method composition diagnostics', () => {
  it('a cycle is FTL0408 naming it, from the checker (one per method on the cycle)', () => {
    const text = recipe(cycle, 'apply loop_a');
    const ds = checkSource(text, 'examples/inline.ftl').diagnostics.filter((d) => d.code === 'FTL0408');
    expect(ds.map((d) => d.message)).toEqual([
      'method `loop_a` applies itself: loop_a -> loop_b -> loop_a',
      'method `loop_b` applies itself: loop_b -> loop_a -> loop_b',
      'method `self_loop` applies itself: self_loop -> self_loop',
    ]);
    expect(ds.map((d) => at(text, d))).toEqual(['apply loop_b()', 'apply loop_a', 'apply self_loop(r: r)']);
    expect(ds[0].hint).toMatch(/not itself/);
  });

  it('a cycle is FTL0408 at elaboration too (no stack overflow), at the apply that closes it', () => {
    const text = recipe(cycle, 'apply loop_a');
    const ds = trainDiagnostics(text);
    expect(ds.map((d) => [d.code, d.message])).toEqual([
      ['FTL0408', 'method `loop_a` applies itself: loop_a -> loop_b -> loop_a'],
    ]);
    expect(at(text, ds[0])).toBe('apply loop_a');
    const self = trainDiagnostics(recipe(cycle, 'apply self_loop'));
    expect(self.map((d) => d.message)).toEqual(['method `self_loop` applies itself: self_loop -> self_loop']);
  });

  it('an unknown inner method gets a did-you-mean at its name; bad arguments at the argument', () => {
    const methods = `method m1() {
  apply lroa(r: 2)
  apply bitfit(rate: 2)
}`;
    const text = recipe(methods, 'apply m1');
    const ds = checkSource(text, 'examples/inline.ftl').diagnostics;
    const unknown = ds.find((d) => d.code === 'FTL0201')!;
    expect(unknown.message).toBe('unknown name `lroa`');
    expect(unknown.hint).toBe('did you mean `lora`?');
    expect(at(text, unknown)).toBe('lroa');
    const arg = ds.find((d) => d.message.includes('rate'))!;
    expect(arg.code).toBe('FTL0302');
    expect(at(text, arg)).toBe('rate');
    // elaboration says the same about the name (the checker runs first in `ftl`)
    const el = trainDiagnostics(text);
    expect(el[0].code).toBe('FTL0402');
    expect(el[0].message).toBe('unknown method `lroa`');
    expect(at(text, el[0])).toBe('lroa');
    expect(el[0].hint).toBe('did you mean `lora`?');
  });

  it('applying something that is not a method inside a method is a diagnostic', () => {
    const text = recipe('method m2() { apply causal_lm }', 'apply m2');
    const ds = checkSource(text, 'examples/inline.ftl').diagnostics;
    expect(ds.map((d) => [d.code, at(text, d)])).toContainEqual(['FTL0206', 'causal_lm']);
    expect(trainDiagnostics(text).map((d) => d.code)).toEqual(['FTL0401']);
  });
});
