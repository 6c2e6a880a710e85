// The kernel-level section of the bench (issue 10): matmul GFLOP/s of each codegen template at
// several sizes, by running bench/matmul.ts (the codegen's own micro-benchmark) in a child
// process with the same loader flags, so its output and failures stay its own.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./matmul.ts', import.meta.url));

export type MatmulResult = { lines: string[] } | { unavailable: string };

export function runMatmulBench(quick: boolean, timeoutS: number): MatmulResult {
  if (!existsSync(SCRIPT)) return { unavailable: 'bench/matmul.ts is missing' };
  const r = spawnSync(process.execPath, [...process.execArgv, SCRIPT, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    timeout: Math.round(timeoutS * 1000),
    env: process.env,
  });
  if (r.error) return { unavailable: `bench/matmul.ts: ${r.error.message}` };
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}`;
    return { unavailable: `bench/matmul.ts failed: ${why}` };
  }
  return { lines: r.stdout.trimEnd().split('\n') };
}
