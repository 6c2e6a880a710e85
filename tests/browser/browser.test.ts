// ftl in the browser: web/ bundled with esbuild, served from 127.0.0.1, run in headless
// Chromium driven over the DevTools protocol (tests/browser/cdp.ts). examples/mlp.ftl is
// compiled in Node for the limits the page's adapter reports; the page trains it 5 steps
// with navigator.gpu and its losses equal Node's CPU reference executor's. Without
// /usr/bin/chromium this FAILS with the install hint: never skips.

import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanLimits } from '../../compiler/plan/lower.ts';
import { buildWeb } from '../../web/build.ts';
import { caseToJson } from '../../web/make-case.ts';
import type { WebAdapterInfo } from '../../web/main.ts';
import { CdpClient } from './cdp.ts';
import { launchChromium, newPage, type Browser } from './chromium.ts';
import { cpuLosses, mlpCase, worstRelative, type MlpCase } from './mlp-case.ts';
import { serveFiles, type StaticServer } from './static-server.ts';

const STEPS = 5;
const files: Record<string, string | Buffer> = {};
let server: StaticServer | undefined;
let browser: Browser | undefined;
let cdp: CdpClient | undefined;
let info: WebAdapterInfo;

/** Evaluate an expression in the page (promises awaited); its JSON value, or the page's error. */
async function evaluate<T>(expression: string, timeoutMs = 20_000): Promise<T> {
  const r = await cdp!.send(
    'Runtime.evaluate',
    { expression, awaitPromise: true, returnByValue: true },
    timeoutMs,
  );
  if (r.exceptionDetails)
    throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
  return r.result.value as T;
}

/** Poll (bounded: 100 tries, 100 ms apart) until `expression` is truthy in the page. */
async function waitFor(expression: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await evaluate<boolean>(`!!(${expression})`).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`page never satisfied: ${expression}`);
}

const caseJson = (c: MlpCase) => caseToJson(c, STEPS);

describe('ftl in headless Chromium', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-web-'));
    try {
      files['/ftl-web.js'] = readFileSync(await buildWeb(join(dir, 'ftl-web.js')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    files['/index.html'] = readFileSync('web/index.html');
    server = await serveFiles(files, { maxRequests: 50, lifetimeMs: 60_000 });
    browser = await launchChromium();
    cdp = await CdpClient.connect(await newPage(browser, `${server.url}/index.html`));
    await waitFor(`location.origin === ${JSON.stringify(server.url)} && globalThis.ftl`);
    info = await evaluate<WebAdapterInfo>('ftl.adapterInfo()');
  });
  afterAll(async () => {
    cdp?.close();
    browser?.kill();
    await server?.close();
  });

  it('has a WebGPU adapter and reports its limits', () => {
    console.log(
      `[browser] adapter: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ')}`,
    );
    expect(info.architecture || info.vendor).not.toBe('');
    expect(info.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
  });

  const cases: ['adamw' | 'sgd', number][] = [
    ['adamw', 1e-4],
    // SGD keeps the update proportional to the gradient error (see mlp-case.ts): a tighter check.
    ['sgd', 1e-5],
  ];
  it.each(cases)(
    `runPlan trains examples/mlp.ftl (optim %s) ${STEPS} steps like the CPU executor (%s relative)`,
    async (optim, tol) => {
      const limits = info.limits as unknown as PlanLimits;
      const isCPU = /swiftshader|llvmpipe|lavapipe/i.test(
        `${info.vendor} ${info.architecture} ${info.device}`,
      );
      const c = mlpCase(limits, isCPU, STEPS, optim);
      files[`/case-${optim}.json`] = caseJson(c);
      const gpu = await evaluate<number[]>(
        `fetch('/case-${optim}.json').then((r) => r.json()).then((c) => ftl.runPlan(c.plan, c.params, c.batches, c.steps))`,
      );
      const cpu = await cpuLosses(c);
      const worst = worstRelative(gpu, cpu);
      console.log(
        `[browser] ${optim} losses ${gpu.map((v) => v.toFixed(6)).join(' ')}, worst relative ${worst.toExponential(2)}`,
      );
      expect(worst, `browser ${gpu} vs cpu ${cpu}`).toBeLessThanOrEqual(tol);
      expect(cpu[STEPS - 1]).toBeLessThan(cpu[0]);
    },
  );

  it('index.html?run= shows the same losses a person would see', async () => {
    const c = mlpCase(info.limits as unknown as PlanLimits, true, STEPS);
    files['/case.json'] = caseJson(c);
    await cdp!.send('Page.navigate', { url: `${server!.url}/index.html?run=/case.json` });
    await waitFor(
      `document.getElementById('out')?.textContent.includes('step ${STEPS}') || document.getElementById('out')?.textContent.startsWith('error')`,
    );
    const text = await evaluate<string>(`document.getElementById('out').textContent`);
    const shown = [...text.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
    const cpu = await cpuLosses(c);
    expect(shown.length, text).toBe(STEPS);
    // The page prints 6 decimals.
    for (let i = 0; i < STEPS; i++)
      expect(Math.abs(shown[i] - cpu[i])).toBeLessThan(1e-5 + Math.abs(cpu[i]) * 1e-4);
  });
});
