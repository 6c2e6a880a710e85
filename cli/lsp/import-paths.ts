// The import paths a file can write: every `std.*` file of the stdlib folder (with its doc),
// and the .ftl files beside the importing file (and in its subfolders, one level deep).
// The stdlib list is read once per process; sibling files are listed per request.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parse } from '../../grammar/index.ts';
import { moduleDoc } from './describe.ts';

export interface ImportPath {
  readonly path: string;
  readonly doc: string;
}

function ftlFiles(dir: string, depth: number): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() && depth > 0 && !e.name.startsWith('.') && e.name !== 'node_modules'
        ? ftlFiles(join(dir, e.name), depth - 1)
        : e.isFile() && e.name.endsWith('.ftl')
          ? [join(dir, e.name)]
          : [],
    );
  } catch {
    return [];
  }
}

const dotted = (root: string, file: string): string =>
  relative(root, file)
    .replace(/\.ftl$/, '')
    .split(/[\\/]/)
    .join('.');

let stdCache: { dir: string; paths: ImportPath[] } | undefined;

export function stdlibImportPaths(stdlibDir: string): ImportPath[] {
  if (stdCache?.dir === stdlibDir) return stdCache.paths;
  const paths = ftlFiles(stdlibDir, 8).map((file) => {
    const text = readFileSync(file, 'utf8');
    return { path: `std.${dotted(stdlibDir, file)}`, doc: moduleDoc(parse(text, file).ast, file, text) };
  });
  paths.sort((a, b) => a.path.localeCompare(b.path));
  stdCache = { dir: stdlibDir, paths };
  return paths;
}

/** `std.*` paths plus the files near `fromFile` (not itself). */
export function importPaths(stdlibDir: string, fromFile: string): ImportPath[] {
  const here = dirname(fromFile);
  const local = ftlFiles(here, 1)
    .filter((f) => basename(f) !== basename(fromFile) || dirname(f) !== here)
    .map((f) => ({ path: dotted(here, f), doc: '' }));
  return [...stdlibImportPaths(stdlibDir), ...local];
}
