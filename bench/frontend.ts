// Front-end speed (issue 3): parse + check of every stdlib module and example together, and
// of one generated 10,000-line file (the LANGUAGE.md module/model sample repeated with fresh
// names, as tests/grammar/perf.test.ts builds it). Median of 5 runs after a warm-up.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSource } from '../compiler/check/index.ts';
import { ftlFilesUnder as ftlFiles } from '../compiler/check/ftl-files.ts';

export interface FrontendResult {
  files: number;
  lines: number;
  repoMs: number;
  generatedLines: number;
  generatedMs: number;
}

export function generateFtl(lines: number): string {
  const sample = readFileSync('tests/samples/lang-module-model/input.ftl', 'utf8');
  const body = sample.replace(/^import.*$/gm, '');
  let text = 'import std.nn.embedding\nimport std.nn.layernorm\n';
  for (let i = 0; text.split('\n').length < lines; i++)
    text += body.replace(/\b(linear|gpt2|block)\b/g, `$1_${i}`);
  return text;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(f: () => void, runs = 5): number {
  f(); // warm-up: JIT and the import cache
  return median(
    Array.from({ length: runs }, () => {
      const t = performance.now();
      f();
      return performance.now() - t;
    }),
  );
}

export function benchFrontend(): FrontendResult {
  const files = [...ftlFiles('stdlib'), ...ftlFiles('examples')].map(
    (f) => [f, readFileSync(f, 'utf8')] as const,
  );
  const repoMs = time(() => {
    for (const [f, text] of files) checkSource(text, f);
  });
  const big = generateFtl(10_000);
  const generatedMs = time(() => checkSource(big, 'generated.ftl'), 3);
  return {
    files: files.length,
    lines: files.reduce((a, [, t]) => a + t.split('\n').length, 0),
    repoMs,
    generatedLines: big.split('\n').length,
    generatedMs,
  };
}

export const frontendLine = (r: FrontendResult): string =>
  `parse+check: all stdlib and examples (${r.files} files, ${r.lines} lines) ${r.repoMs.toFixed(0)} ms; ` +
  `a generated ${r.generatedLines}-line file ${r.generatedMs.toFixed(0)} ms`;

if (import.meta.url === `file://${process.argv[1]}`) console.log(frontendLine(benchFrontend()));
