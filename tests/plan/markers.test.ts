// lowerToPlan refuses an autodiff-only marker (custom_vjp) that reached codegen, with a
// message naming the node and the pass that removes it, instead of failing deep inside a
// kernel template.

import { describe, expect, it } from 'vitest';
import { mk } from '../../compiler/ir/node.ts';
import { lowerToPlan, type PlanLimits } from '../../compiler/plan/lower.ts';

const LIMITS: PlanLimits = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 1 << 27,
  maxBufferSize: 1 << 30,
};

describe('lowerToPlan and IR markers', () => {
  it('a leftover custom_vjp marker is an internal error naming the node', () => {
    const x = mk('param', [], { name: 'x', role: 'param' }, { shape: [3] });
    const y = mk('exp', [x], null);
    const marked = mk('custom_vjp', [y, x], { fn: 'f', id: 1, pullback: (g) => [g] });
    const g = { outputs: { y: mk('neg', [marked], null) }, updates: [] };
    expect(() => lowerToPlan(g, LIMITS)).toThrow(/custom_vjp.*strip/);
  });

  it('the same graph without the marker lowers', () => {
    const x = mk('param', [], { name: 'x', role: 'param' }, { shape: [3] });
    const g = { outputs: { y: mk('neg', [mk('exp', [x], null)], null) }, updates: [] };
    expect(lowerToPlan(g, LIMITS).kernels.length).toBe(1);
  });
});
