// Simplify rules: each fires where it should, and every rewritten graph computes the same
// values as the original under the CPU executor on random inputs (f32, exact up to the
// sign of zero, which `x + 0 -> x` documents).

import { describe, expect, it } from 'vitest';
import { toposort } from '../../compiler/ir/graph.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { printGraph } from '../../compiler/ir/print.ts';
import { verify } from '../../compiler/ir/verify.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import { freshInput, randArray, seeded } from '../cpu/util.ts';

const rng = seeded(99);
const S = [3, 7];
const c = (value: number, shape: readonly number[] = S, dtype: 'f32' | 'i32' | 'bool' = 'f32') =>
  mk('const', [], { value }, { shape, dtype });
const un = (op: 'neg' | 'exp' | 'abs' | 'detach' | 'recip' | 'sqrt', x: Node) => mk(op, [x], null);
const bin = (op: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'lt' | 'eq', a: Node, b: Node) =>
  mk(op, [a, b], null);

/** Simplify `{ y }`, check it verifies, shrinks to at most `maxNodes`, and keeps values. */
function check(y: Node, maxNodes: number): Node {
  const g = { outputs: { y }, updates: [] };
  const s = simplify(g);
  verify(s, 'simplify');
  expect(toposort([s.outputs.y]).length).toBeLessThanOrEqual(maxNodes);
  const inputs = new Map<string, TypedArray>();
  for (const n of toposort([y]))
    if (n.op === 'input') {
      const v = randArray(
        rng,
        n.shape.reduce((a, b) => a * b, 1),
        -2,
        2,
      );
      inputs.set(
        (n.arg as { name: string }).name,
        n.dtype === 'f32' ? Float32Array.from(v) : Int32Array.from(v, Math.round),
      );
    }
  const before = evaluate(g, { params: new Map(), inputs }).outputs.y;
  const after = evaluate(s, { params: new Map(), inputs }).outputs.y;
  // == (not Object.is): +0 and -0 are equal; NaN must stay NaN.
  expect(
    Array.from(after).every((v, i) => v === before[i] || (Number.isNaN(v) && Number.isNaN(before[i]))),
  ).toBe(true);
  expect(after.length).toBe(before.length);
  return s.outputs.y;
}

describe('simplify preserves values and shrinks graphs', () => {
  const x = freshInput(S);
  const z = freshInput(S);
  const cases: [string, () => Node, number][] = [
    ['x*1 -> x', () => bin('mul', x, c(1)), 1],
    ['1*x -> x', () => bin('mul', c(1), x), 1],
    ['x+0 -> x, 0+x -> x', () => bin('add', c(0), bin('add', x, c(0))), 1],
    ['x-0 -> x', () => bin('sub', x, c(0)), 1],
    ['0-x -> -x', () => bin('sub', c(0), x), 2],
    ['x/1 -> x', () => bin('div', x, c(1)), 1],
    ['x^1 -> x', () => bin('pow', x, c(1)), 1],
    ['x^0 -> 1, x^2 -> x·x', () => bin('add', bin('pow', x, c(0)), bin('pow', x, c(2))), 4],
    ['x*-1 -> -x', () => bin('mul', x, c(-1)), 2],
    ['x + -z -> x - z', () => bin('add', x, un('neg', z)), 3],
    ['x - -z -> x + z', () => bin('sub', x, un('neg', z)), 3],
    ['-(-x) -> x', () => un('neg', un('neg', x)), 1],
    ['|(|x|)| -> |x|', () => un('abs', un('abs', x)), 2],
    ['max(x,x), min(x,x) -> x', () => bin('min', bin('max', x, x), bin('max', x, x)), 1],
    ['x*0 kept when x may be NaN (sqrt of negatives)', () => bin('mul', un('sqrt', x), c(0)), 4],
    [
      'iota*0 -> 0',
      () => bin('mul', mk('cast', [mk('iota', [], { axis: 1 }, { shape: S })], { to: 'f32' }), c(0)),
      1,
    ],
    [
      'scalar constant folding',
      () => bin('add', x, bin('mul', un('exp', c(0.5)), bin('div', c(1), c(3)))),
      3,
    ],
    ['comparison folding + where(const)', () => mk('where', [bin('lt', c(1), c(2)), x, z], null), 1],
    ['where(c, x, x) -> x', () => mk('where', [bin('lt', x, z), x, x], null), 1],
    ['cast to same dtype -> x', () => mk('cast', [x], { to: 'f32' }), 1],
    ['detach(const) folds', () => bin('add', x, un('detach', c(2))), 3],
    [
      'i32 folding wraps',
      () => mk('cast', [bin('add', c(2147483647, S, 'i32'), c(1, S, 'i32'))], { to: 'f32' }),
      1,
    ],
    [
      'reshape(reshape(x)) -> reshape(x)',
      () => mk('reshape', [mk('reshape', [x], { shape: [21] })], { shape: [7, 3] }),
      2,
    ],
    [
      'identity reshape/permute/expand/slice/pad',
      () =>
        mk(
          'pad',
          [
            mk(
              'slice',
              [
                mk('expand', [mk('permute', [mk('reshape', [x], { shape: S })], { perm: [0, 1] })], {
                  shape: S,
                }),
              ],
              { starts: [0, 0], ends: S },
            ),
          ],
          { before: [0, 0], after: [0, 0] },
        ),
      1,
    ],
    [
      'permute(permute(x)) composes',
      () =>
        mk('permute', [mk('permute', [mk('reshape', [x], { shape: [3, 1, 7] })], { perm: [2, 0, 1] })], {
          perm: [2, 0, 1],
        }),
      3,
    ],
    [
      'permute(permute(x)) back to identity',
      () => mk('permute', [mk('permute', [x], { perm: [1, 0] })], { perm: [1, 0] }),
      1,
    ],
    [
      'expand(expand(x)) -> expand(x)',
      () => {
        const col = mk('reshape', [mk('slice', [x], { starts: [0, 0], ends: [3, 1] })], { shape: [3, 1, 1] });
        return mk('expand', [mk('expand', [col], { shape: [3, 5, 1] })], { shape: [3, 5, 4] });
      },
      4,
    ],
    [
      'expand(reshape(const)) -> const of bigger shape',
      () => bin('mul', x, mk('expand', [mk('reshape', [c(2, [1])], { shape: [1, 1] })], { shape: S })),
      3,
    ],
    [
      'movement of constants',
      () =>
        bin(
          'add',
          x,
          mk('permute', [mk('slice', [c(3, [7, 5])], { starts: [0, 2], ends: [7, 5] })], { perm: [1, 0] }),
        ),
      3,
    ],
    [
      'pad(0) and concat of equal consts',
      () =>
        bin(
          'add',
          x,
          mk('concat', [mk('pad', [c(0, [3, 2])], { before: [0, 1], after: [0, 0] }), c(0, [3, 4])], {
            axis: 1,
          }),
        ),
      1,
    ],
    [
      'reduce over size-1 axes -> x',
      () =>
        mk('reduce_max', [mk('reduce_sum', [mk('reduce_sum', [x], { axes: [1] })], { axes: [1] })], {
          axes: [1],
        }),
      2,
    ],
    [
      'Σ const -> const·count, max const -> const',
      () =>
        bin(
          'add',
          x,
          mk(
            'expand',
            [mk('reduce_max', [mk('reduce_sum', [c(0.1, [3, 7])], { axes: [1] })], { axes: [0] })],
            { shape: S },
          ),
        ),
      3,
    ],
  ];
  for (const [name, build, maxNodes] of cases) it(name, () => void check(build(), maxNodes));

  it('prints the simplified graph stably', () => {
    const a = mk('input', [], { name: 'print_a' }, { shape: [2, 3] });
    const y = bin(
      'mul',
      mk('reshape', [mk('reshape', [bin('add', a, c(0, [2, 3]))], { shape: [6] })], { shape: [3, 2] }),
      c(1, [3, 2]),
    );
    const text = printGraph(simplify({ outputs: { y }, updates: [] }));
    expect(text).toBe(
      [
        '%0 = input {"name":"print_a"} : f32[2,3]',
        '%1 = reshape %0 {"shape":[3,2]} : f32[3,2]',
        'output y = %1',
        '',
      ].join('\n'),
    );
    // Rebuilding the same graph (hash-consed) prints byte-identical text.
    const y2 = bin(
      'mul',
      mk('reshape', [mk('reshape', [bin('add', a, c(0, [2, 3]))], { shape: [6] })], { shape: [3, 2] }),
      c(1, [3, 2]),
    );
    expect(printGraph(simplify({ outputs: { y: y2 }, updates: [] }))).toBe(text);
  });
});
