// Every .ftl source in the repository, found at test time (the stdlib, examples and samples grow
// while the formatter and the TextMate grammar are tested against them). Also the ```ftl fences of
// docs/language.md, so the reference's examples are covered before the files exist.

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Roots searched for `.ftl` files; node_modules and dot-folders are never entered. */
const roots = ['stdlib', 'examples', 'tests', 'docs', 'editors'];

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && e.name.endsWith('.ftl')) out.push(p);
  }
}

export interface FtlSource {
  /** Repository-relative path, with `#n` appended for the n-th fence of a markdown file. */
  readonly name: string;
  readonly text: string;
}

/** All `.ftl` files under the roots, sorted by path. */
export function ftlFiles(): FtlSource[] {
  const paths: string[] = [];
  for (const r of roots) if (existsSync(join(repoRoot, r))) walk(join(repoRoot, r), paths);
  return paths.sort().map((p) => ({ name: relative(repoRoot, p), text: readFileSync(p, 'utf8') }));
}

/** The ```ftl fenced blocks of a markdown file in the repository (none when it does not exist). */
export function ftlFences(mdPath: string): FtlSource[] {
  const p = join(repoRoot, mdPath);
  if (!existsSync(p)) return [];
  const md = readFileSync(p, 'utf8');
  const out: FtlSource[] = [];
  const re = /^```ftl[ \t]*\n([\s\S]*?)^```/gm;
  for (let m = re.exec(md), i = 1; m; m = re.exec(md), i++) out.push({ name: `${mdPath}#${i}`, text: m[1]! });
  return out;
}
