// Bundle web/main.ts (the WebGPU executor and what it imports) into one browser ESM file.
//   npx tsx web/build.ts [outdir]      default: out/web/ (git-ignored): ftl-web.js + index.html
// `buildWeb(outfile)` is what tests/browser calls. esbuild comes with tsx (node_modules/esbuild).

import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildWeb(outfile: string): Promise<string> {
  await build({
    entryPoints: [join(here, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? join(here, '..', 'out', 'web'));
  mkdirSync(dir, { recursive: true });
  await buildWeb(join(dir, 'ftl-web.js'));
  copyFileSync(join(here, 'index.html'), join(dir, 'index.html'));
  console.log(`wrote ${dir}/ftl-web.js and index.html`);
}
