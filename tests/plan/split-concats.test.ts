// A concat of more pieces than one kernel can bind (WebGPU's default: 8 storage buffers per
// kernel, output included) is rewritten into a tree of narrower concats, so every kernel of
// the plan stays within the limit instead of the compiler failing; values are unchanged.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { toposort } from '../../compiler/ir/graph.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { splitWideConcats } from '../../compiler/passes/split-concats.ts';
import { DEFAULT_LIMITS } from '../../compiler/plan/lower.ts';
import { evaluate } from '../../runtime/cpu/evaluate.ts';

const param = (name: string, shape: number[]) =>
  mk('param', [], { name, role: 'param' }, { shape, dtype: 'f32' });

describe('splitWideConcats', () => {
  // Nine pieces of different widths along axis 1; a reduction reads the concat.
  const pieces = Array.from({ length: 9 }, (_, i) => param(`p${i}`, [3, 1 + (i % 3)]));
  const width = pieces.reduce((a, p) => a + p.shape[1], 0);
  const cat = mk('concat', pieces, { axis: 1 }, { shape: [3, width], dtype: 'f32' });
  const out = mk('reduce_max', [mk('exp', [cat], null)], { axes: [1] });
  const g = { outputs: { out, cat }, updates: [] };
  const params = new Map(
    pieces.map((p, i) => [
      p.arg.name,
      Float32Array.from({ length: 3 * p.shape[1] }, (_, j) => Math.sin(7 * i + j)),
    ]),
  );

  it('keeps every concat at most k pieces wide and the values identical', () => {
    const s = splitWideConcats(g, 4);
    const cats = toposort(Object.values(s.outputs)).filter((n) => n.op === 'concat');
    expect(cats.length).toBeGreaterThan(1);
    for (const c of cats) expect(c.src.length).toBeLessThanOrEqual(4);
    const a = evaluate(g, { params }).outputs;
    const b = evaluate(s, { params }).outputs;
    expect(Array.from(b.cat)).toEqual(Array.from(a.cat));
    expect(Array.from(b.out)).toEqual(Array.from(a.out));
  });

  it('leaves narrow concats alone', () => {
    expect(splitWideConcats(g, 9).outputs.cat).toBe(cat as Node);
  });
});

it('a recipe concatenating 9 reductions compiles for 8-buffer devices, every kernel within the limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-wide-'));
  const file = join(dir, 'wide.ftl');
  writeFileSync(
    file,
    `import std.losses.classification
import std.optim.sgd
model wide() {
  param w: f32[16] init normal(std: 0.1)
  forward(x: f32[B, 16]) -> f32[B, 9] = concat([sum(x[:, i:i + 4] * w[i:i + 4], axis: 1, keepdim: true) for i in range(9)], axis: 1)
}
recipe r {
  model = wide()
  data = synthetic_classification(n: 32, dim: 16, classes: 9, seed: 0) |> batch(8)
  loss = classification
  optim = sgd(lr: 0.1)
  train(steps: 2)
}
`,
  );
  const c = compile(readFileSync(file, 'utf8'), file, { limits: DEFAULT_LIMITS });
  expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const max = DEFAULT_LIMITS.maxStorageBuffersPerShaderStage;
  expect(max).toBe(8);
  for (const k of c.plan!.kernels) expect(k.bindings.length, k.name).toBeLessThanOrEqual(max);
});
