// hidden(model, tokens, at: path): hidden-state taps. The output of `ln_f` projected by the
// tied head is the model's logits; a pattern tapping several modules gives a list; a path
// that matches no module is a diagnostic with a hint.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../runtime/cpu/index.ts';
import { forward, gptRecipe, tokenBatch, trainDiagnostics } from './helpers.ts';

const withLoss = (body: string) =>
  `loss probe(model, batch) {\n${body}\n}\n` + gptRecipe('').replace('loss = causal_lm', 'loss = probe');

const inputs = () => {
  const { tokens, loss_mask } = tokenBatch(4, 8, 16);
  return new Map<string, Int32Array | Float32Array>([
    ['tokens', tokens],
    ['loss_mask', loss_mask],
  ]);
};

describe('hidden', () => {
  it('taps a module output inside the forward', () => {
    const f = forward(
      withLoss(`  let h = hidden(model, batch.tokens, at: "ln_f")
  let d = h @ model.wte.weight^T - model(batch.tokens)
  return sum(d * d) + 1000 * len(hidden(model, batch.tokens, at: "blocks.*"))`),
    );
    const { loss } = evaluate(f.graph, { params: f.initialValues(0), inputs: inputs() }).outputs;
    expect(loss[0]).toBe(3000); // logits reproduced exactly; 3 blocks tapped
  });

  it('taps differ between layers', () => {
    const f = forward(
      withLoss(`  let a = hidden(model, batch.tokens, at: "blocks.0")
  let b = hidden(model, batch.tokens, at: "blocks.1")
  return mean((a - b) * (a - b))`),
    );
    const { loss } = evaluate(f.graph, { params: f.initialValues(0), inputs: inputs() }).outputs;
    expect(loss[0]).toBeGreaterThan(0);
  });

  it('a path that matches no module is a diagnostic with a hint', () => {
    const ds = trainDiagnostics(withLoss('  return mean(hidden(model, batch.tokens, at: "blocks.0.atn"))'));
    expect(ds.map((d) => d.code)).toEqual(['FTL0403']);
    expect(ds[0].hint).toContain('blocks.*.attn');
  });
});
