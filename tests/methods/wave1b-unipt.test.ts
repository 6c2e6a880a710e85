// UniPT (stdlib/methods/unipt.ftl): the side network starts at zero (base model exactly);
// the training step has no backward through the backbone (no matmul with a backbone weight beyond
// the forward's own, while LoRA adds the input-gradient ones); backbone weights stay bit-identical;
// the compiled plan needs less memory than LoRA on q/v; CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toposort } from '../../compiler/ir/graph.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import type { Node } from '../../compiler/ir/node.ts';
import { OpGroup } from '../../compiler/ir/ops.ts';
import { planBytes } from '../../compiler/plan/plan.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train } from '../stdlib/helpers.ts';
import { compileFor, lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.unipt\n' + gptRecipe(apply);
const UNIPT = 'apply unipt(width: 8)';

/** How many matmuls use a backbone block weight (directly or through movement ops). */
function backboneMatmuls(g: Graph): number {
  const roots = [...Object.values(g.outputs), ...g.updates.map((u) => u.value)];
  const fromWeight = new Set<Node>();
  let count = 0;
  for (const n of toposort(roots)) {
    if (n.op === 'param' && /^blocks\.\d+\.(attn|mlp)\.\w+\.weight$/.test((n.arg as { name: string }).name))
      fromWeight.add(n);
    else if (OpGroup.Movement.has(n.op) && n.src.some((s) => fromWeight.has(s))) fromWeight.add(n);
    else if (n.op === 'matmul' && n.src.some((s) => fromWeight.has(s))) count++;
  }
  return count;
}

describe('unipt', () => {
  it('starts as the base model exactly', () => {
    const inp = tokenInputs(4, 8, 16, 0);
    const y0 = evaluate(forward(rec('')).graph, { params: forward(rec('')).initialValues(1), inputs: inp })
      .outputs.output;
    const f = forward(rec(UNIPT));
    const y = evaluate(f.graph, { params: f.initialValues(1), inputs: inp }).outputs.output;
    expect(Array.from(y)).toEqual(Array.from(y0));
  });

  it('has no backward through the backbone (LoRA does)', () => {
    const fwd = backboneMatmuls(forward(rec('')).graph);
    expect(fwd).toBe(3 * 6);
    expect(backboneMatmuls(train(rec(UNIPT)).graph)).toBe(fwd);
    expect(
      backboneMatmuls(train(rec('apply lora(r: 2, targets: "blocks.*.attn.{q,v}")')).graph),
    ).toBeGreaterThan(fwd);
  });

  it('trains only the side network; the backbone is bit-identical after training', () => {
    const b = train(rec(UNIPT));
    const own = /^ln_f\.unipt_(down|query|up)$/;
    expect(
      b.params
        .filter((p) => p.trainable)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['ln_f.unipt_down', 'ln_f.unipt_query', 'ln_f.unipt_up']);
    const st = b.initialValues(2);
    const before = new Map([...st].map(([k, v]) => [k, Array.from(v)]));
    const losses = [1, 2, 3].map((s) => step(b.graph, st, tokenInputs(4, 8, 16, s)).loss[0]);
    for (const p of b.params.filter((q) => !q.name.includes(':'))) {
      const same = JSON.stringify(Array.from(st.get(p.name)!)) === JSON.stringify(before.get(p.name));
      expect(same, p.name).toBe(!own.test(p.name));
    }
    expect(losses[2]).not.toBe(losses[0]);
  });
});

describe('unipt on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('needs less memory than LoRA on q/v', () => {
    const u = planBytes(compileFor(h, rec(UNIPT)).plan!);
    const l = planBytes(compileFor(h, rec('apply lora(r: 2, targets: "blocks.*.attn.{q,v}")')).plan!);
    expect(u).toBeLessThan(l);
  });
  it('3 training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(UNIPT), 3, (s) => tokenInputs(4, 8, 16, s));
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
