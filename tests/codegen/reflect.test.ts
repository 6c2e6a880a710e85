// Every generated kernel parses with wgsl_reflect, and its reflected bindings (group,
// binding, name, access, element type) and entry point equal the kernel spec's binding list
// and the layout derived from it. No GPU needed.

import { describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { lowerToPlan } from '../../compiler/plan/lower.ts';
import { declareBindings } from '../../compiler/codegen/kernel.ts';
import { elementwiseCases } from '../webgpu/cases.ts';
import { indexingCases, matmulCases, movementCases, reduceCases } from '../webgpu/cases-kernels.ts';

const LIMITS = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 1 << 27,
  maxBufferSize: 1 << 30,
};

/** `array<vec4<f32>>` -> 'vec4<f32>', `array<f32>` -> 'f32'. */
function elementType(t: unknown): string {
  const f = (t as { format?: { name: string; format?: { name: string } } }).format;
  return f?.format ? `${f.name}<${f.format.name}>` : (f?.name ?? '?');
}

const cases = [
  ...elementwiseCases(),
  ...movementCases(),
  ...reduceCases(),
  ...matmulCases(),
  ...indexingCases(),
];
const variants = [
  { fuse: false, matmul: 'register', reduce: 'serial' },
  { fuse: true, matmul: 'tiled', reduce: 'workgroup' },
  { fuse: true, matmul: 'register', reduce: 'auto' },
  { fuse: true, matmul: 'scalar', reduce: 'serial' },
] as const;

describe('generated WGSL reflects to its kernel spec', () => {
  for (const v of variants)
    it(`all cases, ${JSON.stringify(v)}`, () => {
      let kernels = 0;
      const templates = new Set<string>();
      for (const k of cases) {
        const plan = lowerToPlan(k.graph, LIMITS, v);
        for (const kernel of plan.kernels) {
          const r = new WgslReflect(kernel.wgsl);
          const groups = r.getBindGroups();
          expect(groups.length, kernel.name).toBe(1);
          const got = groups[0].map((b) => ({
            binding: b.binding,
            name: b.name,
            access: b.access,
            type: elementType(b.type),
          }));
          const want = kernel.bindings.map((b, i) => ({
            binding: i,
            name: b.name,
            access: b.access,
            type: b.type,
          }));
          expect(got, kernel.name).toEqual(want);
          const layout = declareBindings(kernel.bindings).layout;
          expect(layout.map((e) => (e.buffer.type === 'storage' ? 'read_write' : 'read'))).toEqual(
            got.map((b) => b.access),
          );
          expect(r.entry.compute.map((f) => f.name)).toEqual([kernel.entryPoint]);
          expect(r.entry.compute[0].workgroupSize).toEqual([...kernel.workgroupSize]);
          // A read-write binding is never also bound read-only (WebGPU forbids it).
          expect(new Set(kernel.bindings.map((b) => b.buffer)).size).toBe(kernel.bindings.length);
          expect(kernel.bindings.length).toBeLessThanOrEqual(LIMITS.maxStorageBuffersPerShaderStage);
          kernels++;
          for (const m of kernel.name.matchAll(/_(vec4nn|vec4nt|vec4tn|reg4x4|tiled16)\b/g))
            templates.add(m[1]);
        }
      }
      expect(kernels).toBeGreaterThan(cases.length);
      // Each matmul template was generated (and so reflected) at least once.
      // Unfused, a transpose is its own kernel, so matmuls only see plain buffers (NN).
      const register = v.fuse ? ['vec4nn', 'vec4nt', 'vec4tn', 'reg4x4'] : ['vec4nn', 'reg4x4'];
      const want = { register, scalar: ['reg4x4'], tiled: ['tiled16'] }[v.matmul];
      for (const t of want) expect(templates.has(t), t).toBe(true);
    });
});
