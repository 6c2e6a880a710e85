// Host-side method builtins (compiler/features/*: cond, spectrum, svd_init, ...) sit one
// scope level above a method's formals, so a formal with the same name shadows them.
import { expect, it } from 'vitest';
import { tiny, train } from './wave1a-helpers.ts';

it('a method formal may reuse a host builtin name', () => {
  const text = tiny('apply scaled(cond: 3, spectrum: 0.5)').replace(
    'recipe r {',
    `method scaled(cond: int = 2, spectrum: float = 1.0) {
  freeze all
  for m: linear in modules("blocks.0.attn.q") {
    param m.gain: f32[cond] init const(spectrum) trainable
    wrap m(x) = base(x) * sum(m.gain) / (cond * spectrum)
  }
}
recipe r {`,
  );
  const b = train(text);
  const gain = b.params.find((p) => p.name === 'blocks.0.attn.q.gain')!;
  expect(gain.shape).toEqual([3]);
  expect(Array.from(b.initialValues(0).get('blocks.0.attn.q.gain')!)).toEqual([0.5, 0.5, 0.5]);
});
