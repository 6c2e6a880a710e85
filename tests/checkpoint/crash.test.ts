// A process killed (SIGKILL) at arbitrary moments while saving checkpoints never leaves a
// checkpoint directory that fails to load or holds a torn parameter: load() returns the last
// complete step, whose every value equals its step number.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { save, load } from '../../runtime/checkpoint/state.ts';
import { f32 } from '../../runtime/checkpoint/tensor.ts';

const child = path.join(import.meta.dirname, 'fixtures', 'save-loop.ts');

function runAndKill(dir: string, afterSteps: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let seen = 0;
    p.stdout.on('data', (b: Buffer) => {
      seen += b.toString().split('\n').filter(Boolean).length;
      if (seen === afterSteps) setTimeout(() => p.kill('SIGKILL'), extraMs);
    });
    p.on('exit', () => resolve(seen));
    p.on('error', reject);
  });
}

describe('crash safety', () => {
  it('SIGKILL mid-save never loses or tears the latest complete checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-crash-'));
    save(dir, {
      step: 1,
      params: { w: f32([4], [1, 1, 1, 1]) },
      optimizer: { name: 'sgd', slots: {} },
      rng: 1,
      data: null,
    });
    for (const [after, extra] of [
      [1, 0],
      [3, 3],
    ] as const) {
      const completed = await runAndKill(dir, after, extra);
      const r = load(dir);
      if (!r.ok) throw new Error(r.diagnostics[0]!.message);
      const s = r.value;
      expect(s.step).toBeGreaterThanOrEqual(completed + 1); // steps 2..completed+1 finished
      const w = s.params.w!.data;
      expect(w.every((x) => x === s.step)).toBe(true);
      expect(s.optimizer.slots.m!.w!.data.every((x) => x === s.step)).toBe(true);
      expect(s.rng).toBe(s.step);
    }
  }, 30_000);
});
