// Elaboration of stdlib modules: names, shapes, conditional params, arrays, init, row ranges.
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import type * as A from '../../grammar/ast.ts';
import { initParams, initTensor, nameStream } from '../../compiler/elaborate/init.ts';
import { setTrainable } from '../../compiler/elaborate/trainable.ts';
import { allParams, leavesOf } from '../../compiler/elaborate/tree.ts';
import { modelTree, newSession } from '../../compiler/train/session.ts';
import { TraceError } from '../../compiler/trace/errors.ts';

/** The model tree of `model = <model>` in a recipe file with the given imports. */
function tree(imports: string, model: string) {
  const file = 'examples/t.ftl';
  const program = parse(`${imports}\nrecipe r { model = ${model} }`, file).ast;
  const s = newSession({ file, program }, { parse });
  const recipe = program.decls.find((d): d is A.RecipeDecl => d.kind === 'RecipeDecl')!;
  return modelTree(s, s.it.eval((recipe.body.stmts[0] as A.Field).value, s.scope));
}

describe('elaborate', () => {
  it('names parameters by the module tree and drops params whose `if` is false', () => {
    const t = tree('import std.models.gpt2', 'gpt2(vocab: 10, ctx: 4, d: 8, heads: 2, layers: 2)');
    const ps = allParams(t.root);
    expect(ps.slice(0, 3).map((p) => [p.name, p.shape])).toEqual([
      ['wte.weight', [10, 8]],
      ['wpe.weight', [4, 8]],
      ['blocks.0.ln_1.weight', [8]],
    ]);
    expect(ps.map((p) => p.name)).toContain('blocks.1.mlp.fc.weight');
    expect(ps.find((p) => p.name === 'blocks.1.mlp.fc.weight')!.shape).toEqual([32, 8]);
    const l = tree('import std.nn.linear', 'linear(3, 5, false)');
    expect(allParams(l.root).map((p) => p.name)).toEqual(['weight']);
    const lb = tree('import std.nn.linear', 'linear(in: 3, out: 5)');
    expect(allParams(lb.root).map((p) => [p.name, p.init.kind])).toEqual([
      ['weight', 'normal'],
      ['bias', 'zeros'],
    ]);
  });

  it('row ranges: ratios of the rows, integer rows with negatives; leaves cover the tensor', () => {
    const t = tree('import std.nn.linear', 'linear(4, 8)');
    setTrainable(t.root, 'all', false);
    setTrainable(t.root, 'weight', true, { range: { start: 0, end: 0.25, ratio: true } });
    const w = allParams(t.root)[0];
    expect(leavesOf(w).map((l) => [l.name, l.shape, l.trainable])).toEqual([
      ['weight#rows[0:2]', [2, 4], true],
      ['weight#rows[2:8]', [6, 4], false],
    ]);
    setTrainable(t.root, 'weight', true, { range: { start: -3, end: -1, ratio: false } });
    expect(leavesOf(w).map((l) => l.name)).toEqual([
      'weight#rows[0:5]',
      'weight#rows[5:7]',
      'weight#rows[7:8]',
    ]);
    // Split leaves hold exactly the rows of the whole tensor.
    const vals = initParams(t.root, 3);
    const whole = initTensor(w.init, w.shape, 3, nameStream('weight'));
    expect([
      ...vals.get('weight#rows[0:5]')!,
      ...vals.get('weight#rows[5:7]')!,
      ...vals.get('weight#rows[7:8]')!,
    ]).toEqual([...whole]);
    expect(() => setTrainable(t.root, 'wieght', true)).toThrow(TraceError);
  });

  it('column ranges split along axis 1', () => {
    const t = tree('import std.nn.linear', 'linear(6, 3)');
    setTrainable(t.root, 'all', false);
    setTrainable(t.root, 'weight', true, { range: { start: 2, end: 4, ratio: false, axis: 1 } });
    const w = allParams(t.root)[0];
    expect(leavesOf(w).map((l) => [l.name, l.shape, l.trainable])).toEqual([
      ['weight#axis1[0:2]', [3, 2], false],
      ['weight#axis1[2:4]', [3, 2], true],
      ['weight#axis1[4:6]', [3, 2], false],
    ]);
    const vals = initParams(t.root, 1);
    const whole = initTensor(w.init, w.shape, 1, nameStream('weight'));
    // Row r of the whole tensor is the concatenation of row r of each leaf.
    for (let r = 0; r < 3; r++)
      expect(
        [0, 2, 4].flatMap((c) =>
          Array.from(vals.get(`weight#axis1[${c}:${c + 2}]`)!.subarray(r * 2, r * 2 + 2)),
        ),
      ).toEqual(Array.from(whole.subarray(r * 6, r * 6 + 6)));
  });

  it('init: kaiming_uniform bound and normal std follow PyTorch conventions', () => {
    const k = initTensor({ kind: 'kaiming_uniform', a: Math.sqrt(5) }, [64, 100], 0, 1);
    const bound = Math.sqrt(6 / (6 * 100)); // = 1/sqrt(fan_in)
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const n = initTensor({ kind: 'normal', mean: 0, std: 0.02 }, [100, 100], 0, 2);
    const sd = Math.sqrt(n.reduce((s, v) => s + v * v, 0) / n.length);
    expect(Math.abs(sd - 0.02)).toBeLessThan(0.001);
  });
});
