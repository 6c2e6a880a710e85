// Which stdlib file declares a name, for the hint on an unknown name that the stdlib has
// (`unknown name \`adamw\`` → "add `import std.optim.adamw`"). Built lazily, once per
// process, by parsing every file under the stdlib folder.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '../../grammar/index.ts';
import { DEFAULT_STDLIB_DIR } from './imports.ts';
import { ftlFilesUnder as ftlFiles } from './ftl-files.ts';

let index: Map<string, string[]> | undefined;

/** Import paths (`std.optim.adamw`) of the stdlib files declaring `name`. */
export function stdlibImportsFor(name: string, stdlibDir = DEFAULT_STDLIB_DIR): readonly string[] {
  if (!index) {
    index = new Map();
    for (const file of ftlFiles(stdlibDir)) {
      const path =
        'std.' +
        relative(stdlibDir, file)
          .replace(/\.ftl$/, '')
          .split(/[\\/]/)
          .join('.');
      for (const d of parse(readFileSync(file, 'utf8'), file).ast.decls) {
        if (d.kind === 'ImportDecl') continue;
        const list = index.get(d.name.name) ?? [];
        list.push(path);
        index.set(d.name.name, list);
      }
    }
  }
  return index.get(name) ?? [];
}
