// `ftl doctor` end to end, as a user runs it: a child process that must exit 0 and say
// which adapter ran, and exit non-zero with the packages to install when EGL cannot load.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ftl = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ['cli/ftl.js', ...args], { encoding: 'utf8', env, timeout: 60_000 });

describe('ftl doctor', () => {
  it('names the adapter and backend, passes the self-test and exits 0', () => {
    const r = ftl(['doctor']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^adapter: +\S/m);
    expect(r.stdout).toMatch(/^backend: +(vulkan|metal|d3d12|opengles)/m);
    expect(r.stdout).toMatch(/selftest: ok/);
  });

  it('exits 1 with a plain explanation when no adapter can be created', () => {
    // A backend Dawn cannot create on this machine stands in for missing drivers.
    const r = ftl(['doctor', '--backend', process.platform === 'darwin' ? 'd3d12' : 'metal']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No WebGPU adapter could be created/);
    expect(r.stderr).toMatch(/fix: /);
  });

  it('prints its version and help', () => {
    expect(ftl(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ftl(['--help']).stdout).toMatch(/doctor/);
  });
});
