// `ftl lsp` end to end, as an editor drives it: one child process spoken to in framed
// JSON-RPC, through the whole lifecycle. Expected positions are computed from the test's
// own text (line = count of '\n' before the offset, character = UTF-16 distance from the
// line start), not copied from the server's answers.

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryByName } from '../../compiler/diagnostics/catalogue.ts';
import { formatFtl } from '../../grammar/format/format.ts';
import { LspClient } from './client.ts';

const pos = (text: string, offset: number) => {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length - 1, character: offset - (before.lastIndexOf('\n') + 1) };
};
/** The position just after the `n`-th (0-based) occurrence of `needle`, or at its start. */
const at = (text: string, needle: string, after = false) => {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`test text lacks ${needle}`);
  return pos(text, after ? i + needle.length : i);
};

const dir = join(tmpdir(), 'ftl-lsp-test');
const uri = pathToFileURL(join(dir, 'recipe.ftl')).href;
// `alpah` is a typo for `alpha`; the emoji in the comment shifts UTF-16 columns by 2 on its line
const recipe = `import std.models.gpt2
import std.methods.lora
import std.optim.adamw

recipe quick {
  model = gpt2.load("models/tiny")
  apply lora(r: 8, /* 🚀 */ alpah: 16)
  optim = adamw(lr: 3e-4)
  train(steps: 10)
}
`;

let c: LspClient;

beforeAll(async () => {
  c = new LspClient();
  const init = await c.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  expect((init.result as { capabilities: Record<string, unknown> }).capabilities).toMatchObject({
    hoverProvider: true,
    definitionProvider: true,
    documentFormattingProvider: true,
  });
  c.notify('initialized', {});
  c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'ftl', version: 1, text: recipe } });
}, 30_000);

afterAll(() => {
  if (c.proc.exitCode === null) c.proc.kill();
});

type Diag = { range: { start: unknown; end: unknown }; code: string; message: string; severity: number };

describe('ftl lsp', { timeout: 20_000 }, () => {
  it('publishes the typo with its code, UTF-16 range, hint and related declaration', async () => {
    const p = await c.notification('textDocument/publishDiagnostics', (x) => x.uri === uri);
    const ds = p.diagnostics as (Diag & { relatedInformation?: { location: { uri: string } }[] })[];
    expect(ds).toHaveLength(1);
    const d = ds[0]!;
    expect(d.code).toBe(entryByName('unknown-argument')!.code);
    expect(d.severity).toBe(1);
    expect(d.range).toEqual({ start: at(recipe, 'alpah'), end: at(recipe, 'alpah', true) });
    // the emoji is two UTF-16 units: `alpah` starts 2 columns further than its code-point index
    const line = recipe.split('\n')[6]!;
    expect((d.range.start as { character: number }).character).toBe(
      [...line.slice(0, line.indexOf('alpah'))].length + 1,
    );
    expect(d.message).toMatch(/did you mean `alpha`/);
    expect(d.relatedInformation?.[0]?.location.uri).toMatch(/stdlib\/methods\/lora\.ftl$/);
  });

  it('hovers `lora` with its signature and doc comment', async () => {
    const r = await c.request('textDocument/hover', { textDocument: { uri }, position: at(recipe, 'lora(') });
    const value = (r.result as { contents: { value: string } }).contents.value;
    expect(value).toContain('method lora(r: int = 8');
    const doc = /^\/\/\/ (.*)$/m.exec(readFileSync('stdlib/methods/lora.ftl', 'utf8'))![1]!;
    expect(value).toContain(doc);
  });

  it('hovers a builtin with its table doc', async () => {
    const text = 'fn f(x: f32[N]) -> f32[N] = softmax(x)\n';
    const u = pathToFileURL(join(dir, 'hover.ftl')).href;
    c.notify('textDocument/didOpen', { textDocument: { uri: u, languageId: 'ftl', version: 1, text } });
    const r = await c.request('textDocument/hover', {
      textDocument: { uri: u },
      position: at(text, 'softmax'),
    });
    expect((r.result as { contents: { value: string } }).contents.value).toMatch(
      /softmax\(x, axis\?: int\)[\s\S]*softmax over the last/,
    );
  });

  it('completes the named arguments inside `apply lora(`', async () => {
    const text = 'import std.methods.lora\n\nrecipe r {\n  apply lora(\n}\n';
    const u = pathToFileURL(join(dir, 'complete.ftl')).href;
    c.notify('textDocument/didOpen', { textDocument: { uri: u, languageId: 'ftl', version: 1, text } });
    const r = await c.request('textDocument/completion', {
      textDocument: { uri: u },
      position: at(text, 'lora(', true),
    });
    const items = (r.result as { items: { label: string; documentation?: { value: string } }[] }).items;
    const labels = items.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['r:', 'alpha:', 'targets:']));
    expect(items.find((i) => i.label === 'alpha:')!.documentation!.value).toContain('alpha: float = 16.0');
  });

  it('jumps from `lora` to its declaration in stdlib/methods/lora.ftl', async () => {
    const r = await c.request('textDocument/definition', {
      textDocument: { uri },
      position: at(recipe, 'lora('),
    });
    const loc = r.result as { uri: string; range: { start: unknown } };
    expect(loc.uri).toMatch(/\/stdlib\/methods\/lora\.ftl$/);
    const src = readFileSync('stdlib/methods/lora.ftl', 'utf8');
    expect(loc.range.start).toEqual(at(src, 'lora('));
  });

  it('formats the document as formatFtl does, and never a file with syntax errors', async () => {
    const messy = 'recipe   r {\n  seed =    1\n}\n';
    const u = pathToFileURL(join(dir, 'fmt.ftl')).href;
    c.notify('textDocument/didOpen', {
      textDocument: { uri: u, languageId: 'ftl', version: 1, text: messy },
    });
    const r = await c.request('textDocument/formatting', {
      textDocument: { uri: u },
      options: { tabSize: 2, insertSpaces: true },
    });
    const expected = await formatFtl(messy, 'fmt.ftl');
    expect(expected.ok && expected.changed).toBe(true);
    const edits = r.result as { newText: string; range: unknown }[];
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(expected.ok ? expected.formatted : '');
    expect(edits[0]!.range).toEqual({ start: { line: 0, character: 0 }, end: pos(messy, messy.length) });

    c.notify('textDocument/didChange', {
      textDocument: { uri: u, version: 2 },
      contentChanges: [{ text: 'recipe r {\n  seed = \n' }],
    });
    const broken = await c.request('textDocument/formatting', { textDocument: { uri: u }, options: {} });
    expect(broken.result).toEqual([]);
  });

  it('lists the declarations as document symbols', async () => {
    const r = await c.request('textDocument/documentSymbol', { textDocument: { uri } });
    expect((r.result as { name: string }[]).map((s) => s.name)).toEqual(['quick']);
  });

  it('answers unknown requests with MethodNotFound and ignores cancellation', async () => {
    c.notify('$/cancelRequest', { id: 999 });
    const r = await c.request('textDocument/nonsense', {});
    expect((r.error as { code: number }).code).toBe(-32601);
  });

  it('shuts down and exits with code 0', async () => {
    const r = await c.request('shutdown', null);
    expect(r.result).toBeNull();
    c.notify('exit', null);
    expect(await c.exited).toBe(0);
  });
});
