// Every example recipe lowers to a Plan under WebGPU's guaranteed limits (8 storage buffers
// per kernel), with the CPU-adapter templates and with the GPU ones: no internal error, and
// no kernel binding more buffers than allowed. Fusion decisions interact (epilogues, binding
// fits, saved values, row kernels, update kernels computing their matmul); this is the
// sweep that found a node materialized inside a matmul's epilogue chain (PaCA, LoRAPrune,
// My3DGen at 8 buffers) and RoPE reading a register-computed matmul at a shifted element.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { DEFAULT_LIMITS } from '../../compiler/plan/lower.ts';

const files = [
  ...readdirSync('examples').map((f) => `examples/${f}`),
  ...readdirSync('examples/methods').map((f) => `examples/methods/${f}`),
].filter((f) => f.endsWith('.ftl'));

/** Diagnostics that are about the machine's files, not the compiler (a prior run's output). */
const ENVIRONMENT = new Set(['FTL0410', 'FTL0406']);

describe('every example lowers under 8 storage buffers per kernel', () => {
  for (const isCPU of [true, false])
    it(
      isCPU ? 'CPU-adapter templates' : 'GPU templates',
      () => {
        const limits = { ...DEFAULT_LIMITS, maxBufferSize: 2 ** 31 };
        let planned = 0;
        for (const file of files) {
          const c = compile(readFileSync(file, 'utf8'), file, { limits, isCPU });
          const errors = c.diagnostics.filter((d) => d.severity === 'error' && !ENVIRONMENT.has(d.code));
          expect(errors, file).toEqual([]);
          if (!c.plan) continue;
          planned++;
          for (const k of c.plan.kernels)
            expect(k.bindings.length, `${file} ${k.name}`).toBeLessThanOrEqual(8);
        }
        expect(planned).toBeGreaterThan(files.length - 5);
      },
      120_000,
    );
});
