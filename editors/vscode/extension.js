// The VS Code side of `ftl lsp`, with no dependencies: starts the server (setting
// `ftl.server.command`, default `ftl`, with `ftl.server.args`, default ["lsp"]), frames
// JSON-RPC over its stdio, forwards open/change/close of .ftl documents, and turns the
// server's answers into VS Code's types (LSP kinds and severities are VS Code's enum + 1).
// A full client library would add incremental sync and restarts; this is the small subset
// the server offers: diagnostics, hover, completion, definition, formatting, symbols.
'use strict';
const vscode = require('vscode');
const { spawn } = require('child_process');

let proc;
let nextId = 1;
const pending = new Map();
let buffer = Buffer.alloc(0);
let diagnostics;

function send(msg) {
  if (!proc || proc.exitCode !== null) return;
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
  proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
}
const notify = (method, params) => send({ method, params });
function request(method, params) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    send({ id, method, params });
  });
}

function onData(chunk) {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const sep = buffer.indexOf('\r\n\r\n');
    if (sep < 0) return;
    const m = /content-length:\s*(\d+)/i.exec(buffer.subarray(0, sep).toString('ascii'));
    const end = sep + 4 + Number(m ? m[1] : 0);
    if (buffer.length < end) return;
    const msg = JSON.parse(buffer.subarray(sep + 4, end).toString('utf8'));
    buffer = buffer.subarray(end);
    if (msg.id !== undefined && !msg.method) {
      const done = pending.get(msg.id);
      pending.delete(msg.id);
      if (done) done(msg.error ? null : msg.result);
    } else if (msg.method === 'textDocument/publishDiagnostics') publish(msg.params);
  }
}

const range = (r) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
const md = (c) => (c && typeof c === 'object' ? new vscode.MarkdownString(c.value) : c);
const docParams = (doc, position) => ({
  textDocument: { uri: doc.uri.toString() },
  ...(position ? { position: { line: position.line, character: position.character } } : {}),
});

function publish(p) {
  const uri = vscode.Uri.parse(p.uri);
  diagnostics.set(
    uri,
    p.diagnostics.map((d) => {
      const v = new vscode.Diagnostic(range(d.range), d.message, d.severity - 1);
      v.code = d.code;
      v.source = d.source;
      v.relatedInformation = (d.relatedInformation || []).map(
        (r) =>
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(vscode.Uri.parse(r.location.uri), range(r.location.range)),
            r.message,
          ),
      );
      return v;
    }),
  );
}

function symbol(s) {
  const v = new vscode.DocumentSymbol(
    s.name,
    s.detail || '',
    s.kind - 1,
    range(s.range),
    range(s.selectionRange),
  );
  v.children = (s.children || []).map(symbol);
  return v;
}

function completionItem(i) {
  const v = new vscode.CompletionItem(i.label, i.kind - 1);
  v.detail = i.detail;
  v.documentation = md(i.documentation);
  v.sortText = i.sortText;
  if (i.textEdit) {
    v.range = range(i.textEdit.range);
    v.insertText = i.textEdit.newText;
  } else if (i.insertText) v.insertText = i.insertText;
  return v;
}

function activate(context) {
  const config = vscode.workspace.getConfiguration('ftl');
  const command = config.get('server.command', 'ftl');
  const args = config.get('server.args', ['lsp']);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const output = vscode.window.createOutputChannel('ftl');
  diagnostics = vscode.languages.createDiagnosticCollection('ftl');
  proc = spawn(command, args, { cwd, shell: process.platform === 'win32' });
  proc.stdout.on('data', onData);
  proc.stderr.on('data', (c) => output.append(c.toString()));
  proc.on('error', (e) =>
    vscode.window.showErrorMessage(`ftl: cannot start \`${command} ${args.join(' ')}\`: ${e.message}`),
  );
  proc.on('exit', (code) => output.appendLine(`ftl lsp exited with code ${code}`));

  const isFtl = (doc) => doc.languageId === 'ftl';
  const open = (doc) =>
    isFtl(doc) &&
    notify('textDocument/didOpen', {
      textDocument: { uri: doc.uri.toString(), languageId: 'ftl', version: doc.version, text: doc.getText() },
    });
  request('initialize', {
    processId: process.pid,
    rootUri: cwd ? vscode.Uri.file(cwd).toString() : null,
    capabilities: {},
  }).then(() => {
    notify('initialized', {});
    vscode.workspace.textDocuments.forEach(open);
  });

  const sel = { language: 'ftl' };
  context.subscriptions.push(
    diagnostics,
    output,
    vscode.workspace.onDidOpenTextDocument(open),
    vscode.workspace.onDidChangeTextDocument(
      (e) =>
        isFtl(e.document) &&
        notify('textDocument/didChange', {
          textDocument: { uri: e.document.uri.toString(), version: e.document.version },
          contentChanges: [{ text: e.document.getText() }],
        }),
    ),
    vscode.workspace.onDidCloseTextDocument(
      (doc) => isFtl(doc) && notify('textDocument/didClose', { textDocument: { uri: doc.uri.toString() } }),
    ),
    vscode.languages.registerHoverProvider(sel, {
      provideHover: (doc, pos) =>
        request('textDocument/hover', docParams(doc, pos)).then(
          (h) => h && new vscode.Hover(md(h.contents), h.range && range(h.range)),
        ),
    }),
    vscode.languages.registerCompletionItemProvider(
      sel,
      {
        provideCompletionItems: (doc, pos) =>
          request('textDocument/completion', docParams(doc, pos)).then((r) =>
            r ? r.items.map(completionItem) : [],
          ),
      },
      '.',
      '(',
      ',',
    ),
    vscode.languages.registerDefinitionProvider(sel, {
      provideDefinition: (doc, pos) =>
        request('textDocument/definition', docParams(doc, pos)).then(
          (l) => l && new vscode.Location(vscode.Uri.parse(l.uri), range(l.range)),
        ),
    }),
    vscode.languages.registerDocumentFormattingEditProvider(sel, {
      provideDocumentFormattingEdits: (doc, options) =>
        request('textDocument/formatting', { ...docParams(doc), options }).then((es) =>
          (es || []).map((e) => vscode.TextEdit.replace(range(e.range), e.newText)),
        ),
    }),
    vscode.languages.registerDocumentSymbolProvider(sel, {
      provideDocumentSymbols: (doc) =>
        request('textDocument/documentSymbol', docParams(doc)).then((s) => (s || []).map(symbol)),
    }),
  );
}

function deactivate() {
  if (!proc || proc.exitCode !== null) return undefined;
  return request('shutdown', null).then(() => notify('exit', null));
}

module.exports = { activate, deactivate };
