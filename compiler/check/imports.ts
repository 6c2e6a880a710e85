// Import resolution for the checker: where an `import` may point, and loading what it names.
//
// Allowed roots: `import std.a.b` names `<stdlib>/a/b.ftl`; any other path `a.b` names
// `a/b.ftl` under the importing file's folder. Everything else is an error:
//   - a bare `import std` (it names a folder, not a file);
//   - a stdlib file importing anything but `std.*`;
//   - a path whose real location (after symlinks) leaves its root folder.
// Missing files get "did you mean" against the .ftl files that do exist there.

import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { didYouMean } from '../diagnostics/suggest.ts';

export type ResolvedImport =
  | { readonly ok: true; readonly file: string; readonly text: string }
  | {
      readonly ok: false;
      readonly reason: 'outside-roots' | 'not-found';
      readonly message: string;
      readonly hint?: string;
    };

/** Resolves an import path (`['std', 'methods', 'lora']`) written in `fromFile`. */
export type ImportResolver = (path: readonly string[], fromFile: string) => ResolvedImport;

export const DEFAULT_STDLIB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../stdlib');

const inside = (root: string, file: string): boolean => {
  const rel = relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
};

function ftlFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.ftl') || statSync(join(dir, f)).isDirectory())
      .map((f) => f.replace(/\.ftl$/, ''));
  } catch {
    return [];
  }
}

/** A resolver reading the file system; `stdlibDir` defaults to `<repo>/stdlib`. */
export function fsImportResolver(stdlibDir: string = DEFAULT_STDLIB_DIR): ImportResolver {
  const stdRoot = resolve(stdlibDir);
  return (path, fromFile) => {
    const dotted = path.join('.');
    const fromDir = dirname(resolve(fromFile));
    let root: string;
    let rest: readonly string[];
    if (path[0] === 'std') {
      if (path.length < 2) {
        return {
          ok: false,
          reason: 'outside-roots',
          message: '`std` is a folder, not a file',
          hint: 'import a file under it, e.g. `std.methods.lora`',
        };
      }
      root = stdRoot;
      rest = path.slice(1);
    } else {
      if (inside(stdRoot, resolve(fromFile))) {
        return {
          ok: false,
          reason: 'outside-roots',
          message: `stdlib files may import only \`std.*\`, not \`${dotted}\``,
        };
      }
      root = fromDir;
      rest = path;
    }
    const file = join(root, ...rest) + '.ftl';
    if (!existsSync(file)) {
      const here = ftlFilesIn(join(root, ...rest.slice(0, -1)));
      let hint = didYouMean(rest[rest.length - 1] ?? '', here);
      if (!hint && path[0] !== 'std' && didYouMean(path[0] ?? '', ['std']))
        hint = `did you mean \`std.${path.slice(1).join('.')}\`?`;
      const where =
        path[0] === 'std' ? `stdlib/${rest.join('/')}.ftl` : `${rest.join('/')}.ftl beside this file`;
      return {
        ok: false,
        reason: 'not-found',
        message: `cannot find \`${dotted}\` (looked for ${where})`,
        ...(hint ? { hint } : {}),
      };
    }
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      real = file;
    }
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      realRoot = root;
    }
    if (!inside(realRoot, real)) {
      return {
        ok: false,
        reason: 'outside-roots',
        message: `\`${dotted}\` resolves outside ${path[0] === 'std' ? 'the stdlib' : "the recipe's folder"}`,
      };
    }
    return { ok: true, file, text: readFileSync(file, 'utf8') };
  };
}

/** A resolver over in-memory files (tests, editors): keys are file paths as the fs resolver would build them. */
export function memoryImportResolver(
  files: Readonly<Record<string, string>>,
  stdlibDir = '/stdlib',
): ImportResolver {
  return (path, fromFile) => {
    if (path[0] === 'std' && path.length < 2) {
      return {
        ok: false,
        reason: 'outside-roots',
        message: '`std` is a folder, not a file',
        hint: 'import a file under it, e.g. `std.methods.lora`',
      };
    }
    const file =
      path[0] === 'std'
        ? join(stdlibDir, ...path.slice(1)) + '.ftl'
        : join(dirname(fromFile), ...path) + '.ftl';
    const text = files[file];
    if (text === undefined)
      return { ok: false, reason: 'not-found', message: `cannot find \`${path.join('.')}\`` };
    return { ok: true, file, text };
  };
}
