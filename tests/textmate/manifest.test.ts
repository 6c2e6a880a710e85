// The VS Code manifest (editors/vscode) points at the grammar the tests check, with the same
// scope, for the `.ftl` extension, and its comment settings match the language's comments.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve, dirname } from 'node:path';

const manifestPath = fileURLToPath(new URL('../../editors/vscode/package.json', import.meta.url));
const read = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

interface Manifest {
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
  };
}

describe('editors/vscode', () => {
  const m = read(manifestPath) as Manifest;
  const dir = dirname(manifestPath);

  it('contributes the ftl language for .ftl files with the repository grammar', () => {
    const lang = m.contributes.languages.find((l) => l.id === 'ftl')!;
    expect(lang.extensions).toEqual(['.ftl']);
    const g = m.contributes.grammars.find((x) => x.language === 'ftl')!;
    const grammarPath = resolve(dir, g.path);
    expect(grammarPath).toBe(fileURLToPath(new URL('../../grammar/ftl.tmLanguage.json', import.meta.url)));
    expect((read(grammarPath) as { scopeName: string }).scopeName).toBe(g.scopeName);
    const conf = read(resolve(dir, lang.configuration)) as {
      comments: { lineComment: string; blockComment: string[] };
    };
    expect(conf.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
  });
});
