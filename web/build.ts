// Bundle web/main.ts (the WebGPU executor and what it imports) into one browser ESM file.
//   npx tsx web/build.ts [outfile]      default: web/ftl-web.js
// `buildWeb(outfile)` is what tests/browser calls. esbuild comes with tsx (node_modules/esbuild).

import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildWeb(outfile = join(here, 'ftl-web.js')): Promise<string> {
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
  console.log(`wrote ${await buildWeb(process.argv[2] ? resolve(process.argv[2]) : undefined)}`);
}
