// Launch headless Chromium for a test: a fresh empty profile, remote debugging on 127.0.0.1
// at a port Chromium picks (read from its "DevTools listening on ws://..." line), WebGPU on.
// `kill()` ends the process group Chromium was started in (its own helpers) and removes the
// profile. The launch waits at most `timeoutMs`.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_HINT =
  'headless Chromium is needed: sudo apt-get install -y chromium (or bash scripts/setup.sh --browser)';

/**
 * The flags that give headless Chromium WebGPU without a GPU (docs/browser.md). Measured with
 * Debian's chromium 156: `--enable-unsafe-webgpu` is the one that matters (without it there is
 * no adapter); Chromium then falls back to SwiftShader by itself, and
 * `--use-webgpu-adapter=swiftshader` makes that choice explicit so a machine with a GPU runs the
 * same adapter. `--enable-features=Vulkan` and `--use-angle=swiftshader` were not needed.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
];

export interface Browser {
  /** ws://127.0.0.1:PORT/devtools/browser/... */
  wsUrl: string;
  /** http://127.0.0.1:PORT: the DevTools HTTP endpoints (/json/list, /json/new). */
  httpUrl: string;
  proc: ChildProcess;
  kill(): void;
}

export function launchChromium(extraFlags: string[] = [], timeoutMs = 15_000): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: ${CHROMIUM_HINT}`);
  const profile = mkdtempSync(join(tmpdir(), 'ftl-chromium-'));
  // detached: Chromium leads its own process group, so kill(-pid) reaches its helpers too.
  const proc = spawn(
    CHROMIUM,
    [...CHROMIUM_FLAGS, ...extraFlags, `--user-data-dir=${profile}`, 'about:blank'],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let killed = false;
  const kill = () => {
    if (!killed && proc.pid !== undefined) {
      killed = true;
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // already exited
      }
    }
    rmSync(profile, { recursive: true, force: true });
  };
  return new Promise((ok, fail) => {
    let log = '';
    const timer = setTimeout(() => {
      kill();
      fail(new Error(`Chromium did not open DevTools in ${timeoutMs} ms:\n${log.slice(-2000)}`));
    }, timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /DevTools listening on (ws:\/\/127\.0\.0\.1:(\d+)\/\S+)/.exec(log);
      if (m && log.length) {
        clearTimeout(timer);
        proc.stderr!.removeAllListeners('data');
        proc.stderr!.resume(); // keep draining so Chromium never blocks on a full pipe
        ok({ wsUrl: m[1], httpUrl: `http://127.0.0.1:${m[2]}`, proc, kill });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`Chromium exited (${code}) before DevTools opened:\n${log.slice(-2000)}`));
    });
  });
}

/** The WebSocket URL of a new page target showing `url`. */
export async function newPage(b: Browser, url: string): Promise<string> {
  const res = await fetch(`${b.httpUrl}/json/new?${encodeURIComponent(url)}`, {
    method: 'PUT',
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`/json/new: HTTP ${res.status}`);
  const t = (await res.json()) as { webSocketDebuggerUrl: string };
  return t.webSocketDebuggerUrl;
}
