// sparse_update and bitfit from stdlib/methods: the trainable set, optimizer state sized to
// the trainable rows only, and which numbers move after one step; plus pattern diagnostics.
import { describe, expect, it } from 'vitest';
import { step } from '../../runtime/cpu/index.ts';
import { gptRecipe, tokenBatch, train, trainDiagnostics, type Store } from './helpers.ts';

const feed = (s: number) => {
  const { tokens, loss_mask } = tokenBatch(4, 8, 16, s);
  return new Map<string, Int32Array | Float32Array>([
    ['tokens', tokens],
    ['loss_mask', loss_mask],
    ['step', Int32Array.of(s)],
  ]);
};

describe('sparse_update', () => {
  const b = train(gptRecipe('apply sparse_update(layers: 2, tensors: "mlp.**.weight", ratio: 0.25)'));

  it('splits selected weights into a trainable row slice and frozen rows', () => {
    // d = 16, hidden = 64: fc.weight [64, 16] trains rows 0..16, proj.weight [16, 64] rows 0..4.
    const fc = b.params.filter((p) => p.param === 'blocks.1.mlp.fc.weight' && p.role === 'param');
    expect(fc.map((p) => [p.name, p.shape, p.trainable])).toEqual([
      ['blocks.1.mlp.fc.weight#rows[0:16]', [16, 16], true],
      ['blocks.1.mlp.fc.weight#rows[16:64]', [48, 16], false],
    ]);
    const trainable = b.params
      .filter((p) => p.trainable)
      .map((p) => p.name)
      .sort();
    expect(trainable).toEqual(
      [1, 2]
        .flatMap((i) => [
          `blocks.${i}.attn.k.bias`,
          `blocks.${i}.attn.o.bias`,
          `blocks.${i}.attn.q.bias`,
          `blocks.${i}.attn.v.bias`,
          `blocks.${i}.ln_1.bias`,
          `blocks.${i}.ln_2.bias`,
          `blocks.${i}.mlp.fc.bias`,
          `blocks.${i}.mlp.fc.weight#rows[0:16]`,
          `blocks.${i}.mlp.proj.bias`,
          `blocks.${i}.mlp.proj.weight#rows[0:4]`,
        ])
        .sort(),
    );
  });

  it('keeps optimizer state for the trainable rows only', () => {
    const states = b.params.filter((p) => p.role === 'state' && p.param.startsWith('blocks.1.mlp.fc.weight'));
    expect(states.map((p) => [p.name, p.shape])).toEqual([
      ['blocks.1.mlp.fc.weight#rows[0:16]:m', [16, 16]],
      ['blocks.1.mlp.fc.weight#rows[0:16]:v', [16, 16]],
    ]);
    const stateFloats = b.params
      .filter((p) => p.role === 'state')
      .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    const trainFloats = b.params
      .filter((p) => p.trainable)
      .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    expect(stateFloats).toBe(2 * trainFloats);
  });

  it('changes only the trainable rows after a step', () => {
    const store: Store = b.initialValues(0);
    const before = new Map([...store].map(([k, v]) => [k, Float32Array.from(v as Float32Array)]));
    step(b.graph, store, feed(1));
    for (const p of b.params.filter((q) => q.role === 'param')) {
      const changed = Array.from(store.get(p.name)!).some((v, i) => v !== before.get(p.name)![i]);
      expect(changed, p.name).toBe(p.trainable);
    }
  });
});

describe('bitfit and pattern diagnostics', () => {
  it('bitfit trains every bias and nothing else', () => {
    const b = train(gptRecipe('apply bitfit'));
    const t = b.params.filter((p) => p.trainable).map((p) => p.name);
    expect(t.length).toBe(3 * 8 + 1); // 8 biases per block + ln_f.bias
    expect(t.every((n) => n.endsWith('.bias'))).toBe(true);
  });

  it('a pattern that matches nothing is a diagnostic with a did-you-mean hint', () => {
    const ds = trainDiagnostics(gptRecipe('apply lora(targets: "blocks.*.atn.q")'));
    expect(ds).toHaveLength(1);
    expect(ds[0].code).toBe('FTL0403');
    expect(ds[0].hint).toContain('blocks.*.attn.q');
    expect(ds[0].span?.file).toBe('examples/inline.ftl'); // the user's apply statement
    expect(ds[0].notes?.[0].span?.file).toMatch(/stdlib\/methods\/lora.ftl$/);
  });
});
