// The rewrite engine: bottom-up fixpoint, users rebuilt through mk (hash-consing holds),
// replacements normalised, shape-changing and looping rule sets rejected.

import { describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { rewrite, rewriteNodes, type RuleTable } from '../../compiler/ir/rewrite.ts';
import { freshInput } from '../cpu/util.ts';

const c = (value: number, shape: readonly number[]) => mk('const', [], { value }, { shape });

describe('rewrite engine', () => {
  it('rewrites bottom-up to a fixpoint and rebuilds users into existing (hash-consed) nodes', () => {
    const x = freshInput([4]);
    // Rule: neg(neg(x)) -> x. exp(neg(neg(neg(neg(x))))) must become exp(x), the same object.
    const rules: RuleTable = { neg: [(n) => (n.src[0].op === 'neg' ? n.src[0].src[0] : undefined)] };
    const deep = mk(
      'exp',
      [mk('neg', [mk('neg', [mk('neg', [mk('neg', [x], null)], null)], null)], null)],
      null,
    );
    const m = rewriteNodes([deep], rules);
    expect(m.get(deep)).toBe(mk('exp', [x], null));
  });

  it('normalises nodes created by a replacement before users see them', () => {
    const x = freshInput([2, 3]);
    // mul(x, 2) -> add(x, x) creates a fresh add; add(x, x) -> neg(neg(...)) chain is then
    // simplified by the neg rule. Only the final form may remain.
    const rules: RuleTable = {
      mul: [
        (n) =>
          n.src[1].op === 'const'
            ? mk('neg', [mk('neg', [mk('add', [n.src[0], n.src[0]], null)], null)], null)
            : undefined,
      ],
      neg: [(n) => (n.src[0].op === 'neg' ? n.src[0].src[0] : undefined)],
    };
    const y = mk('sqrt', [mk('mul', [x, c(2, [2, 3])], null)], null);
    const g = rewrite({ outputs: { y }, updates: [] }, rules);
    expect(g.outputs.y).toBe(mk('sqrt', [mk('add', [x, x], null)], null));
  });

  it('keeps update targets and rewrites update values', () => {
    const w = mk('param', [], { name: 'rw_w', role: 'param' }, { shape: [3] });
    const v = mk('neg', [mk('neg', [w], null)], null);
    const rules: RuleTable = { neg: [(n) => (n.src[0].op === 'neg' ? n.src[0].src[0] : undefined)] };
    const g = rewrite({ outputs: {}, updates: [{ target: w, value: mk('add', [v, v], null) }] }, rules);
    expect(g.updates[0].target).toBe(w);
    expect(g.updates[0].value).toBe(mk('add', [w, w], null));
  });

  it('rejects a rule that changes shape, and a rule set that never settles', () => {
    const x = freshInput([3]);
    const bad: RuleTable = {
      exp: [
        function widen(n: Node) {
          return c(0, [4]);
        },
      ],
    };
    expect(() => rewriteNodes([mk('exp', [x], null)], bad)).toThrow(
      /widen changed exp f32\[3\] to const f32\[4\]/,
    );
    // exp(x) -> exp(exp(x)) -> ... grows forever.
    const loop: RuleTable = {
      exp: [
        function grow(n: Node) {
          return mk('exp', [n], null);
        },
      ],
    };
    expect(() => rewriteNodes([mk('exp', [x], null)], loop)).toThrow(/fixpoint.*grow/);
  });
});
