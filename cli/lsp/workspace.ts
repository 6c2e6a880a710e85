// The open documents, and import resolution that prefers them over the disk: an unsaved
// buffer importing a sibling file that is also open (and maybe edited) is checked against
// what the editor shows, not what was last saved.
//
//   ws.open(uri, text, version) / ws.change(uri, text, version) / ws.close(uri)
//   ws.resolver() -> ImportResolver     open documents first, then fsImportResolver
//   ws.textOf(file) -> string | undefined  an open buffer, else the file on disk

import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_STDLIB_DIR, fsImportResolver, type ImportResolver } from '../../compiler/check/imports.ts';

export interface Document {
  readonly uri: string;
  /** File system path (for `file:` URIs), else the URI itself. */
  readonly file: string;
  readonly text: string;
  readonly version: number;
}

export function uriToFile(uri: string): string {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

export const fileToUri = (file: string): string =>
  file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) ? pathToFileURL(file).href : file;

export class Workspace {
  private readonly docs = new Map<string, Document>();
  private readonly byFile = new Map<string, Document>();

  constructor(readonly stdlibDir: string = DEFAULT_STDLIB_DIR) {}

  open(uri: string, text: string, version: number): Document {
    const doc = { uri, file: uriToFile(uri), text, version };
    this.docs.set(uri, doc);
    this.byFile.set(resolve(doc.file), doc);
    return doc;
  }

  change(uri: string, text: string, version: number): Document {
    return this.open(uri, text, version);
  }

  close(uri: string): void {
    const d = this.docs.get(uri);
    if (!d) return;
    this.docs.delete(uri);
    this.byFile.delete(resolve(d.file));
  }

  get(uri: string): Document | undefined {
    return this.docs.get(uri);
  }

  all(): Document[] {
    return [...this.docs.values()];
  }

  textOf(file: string): string | undefined {
    const open = this.byFile.get(resolve(file));
    if (open) return open.text;
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }

  resolver(): ImportResolver {
    const fs = fsImportResolver(this.stdlibDir);
    return (path, fromFile) => {
      // the file the fs resolver would read, when the path is well-formed; open buffers win
      // (the fs resolver's rules stand: a stdlib file may import only `std.*`)
      const fromStdlib = !relative(resolve(this.stdlibDir), resolve(fromFile)).startsWith('..');
      const wellFormed = path[0] === 'std' ? path.length >= 2 : !fromStdlib;
      if (wellFormed) {
        const file =
          path[0] === 'std'
            ? join(this.stdlibDir, ...path.slice(1)) + '.ftl'
            : join(dirname(resolve(fromFile)), ...path) + '.ftl';
        const open = this.byFile.get(resolve(file));
        if (open) return { ok: true, file, text: open.text };
      }
      return fs(path, fromFile);
    };
  }
}
