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

const cases = [...elementwiseCases(), ...movementCases(), ...reduceCases(), ...matmulCases(), ...indexingCases()];
const variants = [
  { fuse: false, matmul: 'register', reduce: 'serial' },
  { fuse: true, matmul: 'tiled', reduce: 'workgroup' },
  { fuse: true, matmul: 'register', reduce: 'auto' },
] as const;

describe('generated WGSL reflects to its kernel spec', () => {
  for (const v of variants)
    it(`all cases, ${JSON.stringify(v)}`, () => {
      let kernels = 0;
      for (const k of cases) {
        const plan = lowerToPlan(k.graph, LIMITS, v);
        for (const kernel of plan.kernels) {
          const r = new WgslReflect(kernel.wgsl);
          const groups = r.getBindGroups();
          expect(groups.length, kernel.name).toBe(1);
          const got = groups[0].map((b) => ({ binding: b.binding, name: b.name, access: b.access, type: (b.type as { format?: { name: string } }).format?.name }));
          const want = kernel.bindings.map((b, i) => ({ binding: i, name: b.name, access: b.access, type: b.type }));
          expect(got, kernel.name).toEqual(want);
          const layout = declareBindings(kernel.bindings).layout;
          expect(layout.map((e) => (e.buffer.type === 'storage' ? 'read_write' : 'read'))).toEqual(got.map((b) => b.access));
          expect(r.entry.compute.map((f) => f.name)).toEqual([kernel.entryPoint]);
          expect(r.entry.compute[0].workgroupSize).toEqual([...kernel.workgroupSize]);
          // A read-write binding is never also bound read-only (WebGPU forbids it).
          expect(new Set(kernel.bindings.map((b) => b.buffer)).size).toBe(kernel.bindings.length);
          expect(kernel.bindings.length).toBeLessThanOrEqual(LIMITS.maxStorageBuffersPerShaderStage);
          kernels++;
        }
      }
      expect(kernels).toBeGreaterThan(cases.length);
    });
});
