// Every `.ftl` file under a folder: what `ftl check DIR`, `ftl methods`, the stdlib index
// and the bench walk. Depth first, names sorted at each level so output is stable; dot
// folders and node_modules are skipped; a folder that cannot be read gives nothing.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function ftlFilesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules')
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) =>
      e.isDirectory() ? ftlFilesUnder(join(dir, e.name)) : e.name.endsWith('.ftl') ? [join(dir, e.name)] : [],
    );
}
