// Loads grammar/ftl.tmLanguage.json into vscode-textmate (with the Oniguruma WASM regex engine
// VS Code itself uses) and tokenizes whole texts line by line, carrying the rule stack across lines.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vsctm from 'vscode-textmate';
import onig from 'vscode-oniguruma';

const require = createRequire(import.meta.url);

export interface Token {
  readonly line: number; // 1-based
  readonly text: string;
  readonly scopes: readonly string[];
}

let grammarP: Promise<vsctm.IGrammar> | undefined;

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources: string[]) => new onig.OnigScanner(sources),
      createOnigString: (s: string) => new onig.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      if (scopeName !== 'source.ftl') return null;
      const path = new URL('../../grammar/ftl.tmLanguage.json', import.meta.url);
      return vsctm.parseRawGrammar(readFileSync(path, 'utf8'), path.pathname);
    },
  });
  const g = await registry.loadGrammar('source.ftl');
  if (!g) throw new Error('source.ftl did not load');
  return g;
}

export const grammar = (): Promise<vsctm.IGrammar> => (grammarP ??= loadGrammar());

/** Tokens of every line; `stoppedEarly` lines (the tokenizer gave up) are reported, not hidden. */
export async function tokenize(text: string): Promise<{ tokens: Token[]; stoppedEarly: number[] }> {
  const g = await grammar();
  let stack = vsctm.INITIAL;
  const tokens: Token[] = [];
  const stoppedEarly: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const r = g.tokenizeLine(line, stack, 1000);
    if (r.stoppedEarly) stoppedEarly.push(i + 1);
    for (const t of r.tokens)
      tokens.push({ line: i + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = r.ruleStack;
  });
  return { tokens, stoppedEarly };
}

/** The innermost scopes of the first token whose text is exactly `text` (after `after` tokens). */
export function scopesOf(tokens: readonly Token[], text: string, nth = 0): readonly string[] {
  const hits = tokens.filter((t) => t.text === text);
  const t = hits[nth];
  if (!t)
    throw new Error(
      `no token ${JSON.stringify(text)} (#${nth}); tokens: ${tokens.map((x) => x.text).join('|')}`,
    );
  return t.scopes;
}
