// AirLLM's rank-adaptive LoRA (stdlib/methods/lora_ranks.ftl): a per-module rank vector gives
// exactly sum_i r_i (d_in_i + d_out_i) trainable parameters; a new rank vector recompiles with
// matching shapes; lora_bits = parameters x bit width; merge equals the unmerged model; the
// model starts as the base model; CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { newSession } from '../../compiler/train/session.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.lora_ranks\n' + gptRecipe(apply);
// gptRecipe: d = 16, 3 blocks; q, k, v, o are 16 -> 16.
const T = '"blocks.*.attn.{q,v}"';
const sites = (ranks: number[]) => `apply lora_ranks(ranks: [${ranks.join(', ')}], targets: ${T})`;

describe('lora_ranks (AirLLM)', () => {
  it('trains exactly sum r_i (d_in + d_out) parameters; new ranks recompile with matching shapes', () => {
    for (const ranks of [
      [1, 2, 3, 4, 5, 6],
      [4, 0, 2, 2, 8, 1],
    ]) {
      const b = train(rec(sites(ranks)));
      const t = b.params.filter((p) => p.trainable);
      const count = t.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
      expect(count).toBe(ranks.reduce((a, r) => a + r * (16 + 16), 0));
      const mods = ['0.attn.q', '0.attn.v', '1.attn.q', '1.attn.v', '2.attn.q', '2.attn.v'];
      ranks.forEach((r, i) => {
        const a = t.find((p) => p.name === `blocks.${mods[i]}.lora_a`);
        if (r === 0) expect(a).toBeUndefined();
        else expect(a!.shape).toEqual([r, 16]);
      });
    }
  });

  it('lora_bits is parameters x bit width', () => {
    const s = newSession(
      { file: 'examples/inline.ftl', program: parse('import std.methods.lora_ranks', 'x.ftl').ast },
      { parse },
    );
    const f = s.scope.lookup('lora_bits')!;
    const L = (xs: number[]) => ({ kind: 'list' as const, items: xs });
    const bits = s.it.call(f, {
      positional: [L([2, 0, 3]), L([16, 16, 64]), L([16, 32, 16])],
      named: new Map([['bits', 8]]),
      span: undefined as never,
    });
    expect(bits).toBe((2 * 32 + 0 + 3 * 80) * 8);
  });

  it('starts as the base model and merges into it within 1e-5', () => {
    const apply = sites([2, 1, 0, 3, 2, 2]);
    const inp = tokenInputs(4, 8, 16, 9);
    const y0 = evaluate(forward(rec('')).graph, { params: forward(rec('')).initialValues(1), inputs: inp })
      .outputs.output;
    const ya = evaluate(forward(rec(apply)).graph, {
      params: forward(rec(apply)).initialValues(1),
      inputs: inp,
    }).outputs.output;
    expect(Array.from(ya)).toEqual(Array.from(y0));
    const b = train(rec(apply));
    const st = b.initialValues(1);
    for (let s = 1; s <= 3; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
    const y = evaluate(forward(rec(apply)).graph, { params: st, inputs: inp }).outputs.output;
    const ym = evaluate(forward(rec('')).graph, { params: mergedParams(b.tree, st), inputs: inp }).outputs
      .output;
    let diff = 0;
    let moved = 0;
    y.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - ym[i]));
      moved = Math.max(moved, Math.abs(v - y0[i]));
    });
    expect(diff).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-4);
  });
});

describe('lora_ranks on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('3 training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(sites([2, 1, 0, 3, 2, 2])), 3, (s) => tokenInputs(4, 8, 16, s));
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
