// Checker diagnostics for `drop NAME [merged]` (compiler/check/checks/drops.ts and the
// placement checks): an unknown method is `unknown-name` with "did you mean" at the name;
// dropping a method no earlier stage applies (or one applied only in this stage, or one
// already dropped) is `invalid-form` at the name; a non-method is `type-mismatch`; `drop`
// outside a stage is `misplaced-statement`. The same recipes trace to a diagnostic too
// (compiler/train/recipe.ts), never an exception.
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/check/index.ts';
import { buildTrainingGraph } from '../../compiler/train/build.ts';
import { parse } from '../../grammar/index.ts';

const FILE = 'examples/methods/drop-check.ftl';
const recipe = (body: string) => `import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
import std.methods.lofit
import std.methods.lofit as lf
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  loss = causal_lm
  optim = sgd(lr: 0.1)
${body}
}
`;
const diags = (body: string) => {
  const text = recipe(body);
  return checkSource(text, FILE).diagnostics.map((d) => ({
    code: d.code,
    message: d.message,
    hint: d.hint,
    at: d.span ? text.slice(d.span.start, d.span.end) : undefined,
  }));
};
const one = (body: string) => {
  const d = diags(body);
  expect(d, JSON.stringify(d)).toHaveLength(1);
  return d[0];
};

describe('drop diagnostics', () => {
  it('accepts a drop of a method an earlier stage or the recipe applies', () => {
    expect(
      diags('  stage a { apply lofit_scale() }\n  stage b { drop lofit_scale; apply lofit_bias(k: 1) }'),
    ).toEqual([]);
    expect(
      diags('  apply lofit_scale()\n  stage a { train(steps: 1) }\n  stage b { drop lofit_scale merged }'),
    ).toEqual([]);
    // the same method by declaration, through a namespace
    expect(diags('  stage a { apply lofit_scale() }\n  stage b { drop lf.lofit_scale }')).toEqual([]);
  });

  it('an unknown method name is unknown-name with did-you-mean at the name', () => {
    const d = one('  stage a { apply lofit_scale() }\n  stage b { drop lofit_scal }');
    expect(d).toMatchObject({ code: 'FTL0201', at: 'lofit_scal' });
    expect(d.hint).toMatch(/lofit_scale/);
  });

  it('a method no earlier stage applies is invalid-form at the name', () => {
    const d = one('  stage a { train(steps: 1) }\n  stage b { drop lofit_bias }');
    expect(d.at).toBe('lofit_bias');
    expect(d.message).toBe('cannot drop `lofit_bias`: no earlier stage applies it');
    expect(d.hint).toMatch(/stage a \{ apply m \} stage b \{ drop m \}/);
    expect(one('  stage a { apply lofit_scale(); drop lofit_scale }').message).toMatch(
      /applied in this stage, not an earlier one/,
    );
    expect(
      one(
        '  stage a { apply lofit_scale() }\n  stage b { drop lofit_scale }\n  stage c { drop lofit_scale }',
      ),
    ).toMatchObject({
      at: 'lofit_scale',
      message: 'cannot drop `lofit_scale`: stage `b` already dropped it',
    });
  });

  it('a non-method is type-mismatch; drop outside a stage is misplaced-statement', () => {
    expect(one('  stage a { apply lofit_scale() }\n  stage b { drop causal_lm }')).toMatchObject({
      message: '`drop` takes a method, but this is a loss',
      at: 'causal_lm',
    });
    const d = one('  apply lofit_scale()\n  drop lofit_scale');
    expect(d).toMatchObject({ message: '`drop` is not allowed in a recipe body', at: 'drop lofit_scale' });
    expect(d.hint).toMatch(/goes in a stage/);
  });

  it('tracing a stage with a bad drop is a diagnostic, not an exception', () => {
    const text = recipe('  stage a { train(steps: 1) }\n  stage b { drop lofit_scale }');
    const r = buildTrainingGraph({ file: FILE, program: parse(text, FILE).ast }, { parse, stage: 'b' });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'cannot drop `lofit_scale`: no earlier stage applies it',
    ]);
  });
});
