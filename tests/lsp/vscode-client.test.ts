// editors/vscode/extension.js against the real `ftl lsp`, with a stand-in for the `vscode`
// module that records what the extension registers and publishes: the client must start
// the server, forward an open document, turn published diagnostics into VS Code's types
// (severity and kind enums are LSP's minus one) and answer a hover through the server.

import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

class Range {
  constructor(
    readonly startLine: number,
    readonly startChar: number,
    readonly endLine: number,
    readonly endChar: number,
  ) {}
}
const recorded = { diagnostics: new Map<string, any[]>(), providers: new Map<string, any>() };
const text =
  'import std.models.gpt2\nimport std.methods.lora\n\nrecipe r {\n  model = gpt2.load("m")\n  apply lora(rr: 8)\n}\n';
const uri = 'file:///tmp/ftl-vscode-test/recipe.ftl';
const doc = { uri: { toString: () => uri }, languageId: 'ftl', version: 1, getText: () => text };
const disposable = { dispose() {} };
const register = (name: string) => (_sel: unknown, provider: unknown) => (
  recorded.providers.set(name, provider),
  disposable
);

const fakeVscode = {
  Range,
  Location: class {
    constructor(
      readonly uri: unknown,
      readonly range: Range,
    ) {}
  },
  Diagnostic: class {
    code?: string;
    source?: string;
    relatedInformation?: unknown[];
    constructor(
      readonly range: Range,
      readonly message: string,
      readonly severity: number,
    ) {}
  },
  DiagnosticRelatedInformation: class {
    constructor(
      readonly location: unknown,
      readonly message: string,
    ) {}
  },
  MarkdownString: class {
    constructor(readonly value: string) {}
  },
  Hover: class {
    constructor(
      readonly contents: { value: string },
      readonly range: Range,
    ) {}
  },
  CompletionItem: class {
    constructor(
      readonly label: string,
      readonly kind: number,
    ) {}
  },
  DocumentSymbol: class {},
  TextEdit: { replace: (range: Range, newText: string) => ({ range, newText }) },
  Uri: {
    parse: (s: string) => ({ toString: () => s }),
    file: (p: string) => ({ toString: () => `file://${p}` }),
  },
  workspace: {
    getConfiguration: () => ({
      get: (key: string, dflt: unknown) =>
        key === 'server.command' ? process.execPath : key === 'server.args' ? ['cli/ftl.js', 'lsp'] : dflt,
    }),
    workspaceFolders: [{ uri: { fsPath: process.cwd() } }],
    textDocuments: [doc],
    onDidOpenTextDocument: () => disposable,
    onDidChangeTextDocument: () => disposable,
    onDidCloseTextDocument: () => disposable,
  },
  window: {
    createOutputChannel: () => ({ append() {}, appendLine() {}, dispose() {} }),
    showErrorMessage: () => {},
  },
  languages: {
    createDiagnosticCollection: () => ({
      set: (u: { toString(): string }, ds: any[]) => recorded.diagnostics.set(u.toString(), ds),
      dispose() {},
    }),
    registerHoverProvider: register('hover'),
    registerCompletionItemProvider: register('completion'),
    registerDefinitionProvider: register('definition'),
    registerDocumentFormattingEditProvider: register('formatting'),
    registerDocumentSymbolProvider: register('symbols'),
  },
};

describe('editors/vscode/extension.js', () => {
  it('starts ftl lsp, shows its diagnostics and hovers through it', async () => {
    const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
    const load = M._load;
    M._load = (req, ...rest) => (req === 'vscode' ? fakeVscode : load(req, ...rest));
    let ext: { activate(c: unknown): void; deactivate(): Promise<void> | undefined };
    try {
      ext = createRequire(import.meta.url)('../../editors/vscode/extension.js');
    } finally {
      M._load = load;
    }
    ext.activate({ subscriptions: [] });
    for (let i = 0; i < 300 && !recorded.diagnostics.has(uri); i++)
      await new Promise((r) => setTimeout(r, 50));
    const ds = recorded.diagnostics.get(uri)!;
    expect(ds).toHaveLength(1);
    const line = text.split('\n')[5]!;
    expect(ds[0].range).toEqual(new Range(5, line.indexOf('rr'), 5, line.indexOf('rr') + 2));
    expect(ds[0].severity).toBe(0); // vscode.DiagnosticSeverity.Error
    expect(ds[0].code).toBe('FTL0302');
    const hover = await recorded.providers
      .get('hover')
      .provideHover(doc, { line: 5, character: line.indexOf('lora') });
    expect(hover.contents.value).toContain('method lora(');
    await ext.deactivate();
  }, 60_000);

  it('is the manifest’s entry point, activated for ftl, with the settings it reads', () => {
    const m = JSON.parse(readFileSync('editors/vscode/package.json', 'utf8'));
    expect(m.main).toBe('./extension.js');
    expect(m.activationEvents).toContain('onLanguage:ftl');
    expect(m.dependencies ?? {}).toEqual({});
    const props = m.contributes.configuration.properties;
    expect(props['ftl.server.command'].default).toBe('ftl');
    expect(props['ftl.server.args'].default).toEqual(['lsp']);
    const src = readFileSync('editors/vscode/extension.js', 'utf8');
    expect(src).toContain("config.get('server.command', 'ftl')");
    expect(src).toContain("config.get('server.args', ['lsp'])");
  });
});
