// The language server's protocol logic, independent of the byte stream: `handle(message)`
// for every incoming message, `send` for everything outgoing. transport.ts wires it to
// stdin/stdout.
//
// Lifecycle (LSP): requests before `initialize` get ServerNotInitialized; after `shutdown`
// every request gets InvalidRequest; `exit` ends the process with 0 after a shutdown, 1
// without. `$/cancelRequest` and other `$/` notifications are ignored (each request is
// answered synchronously, so there is nothing to cancel). Unknown requests get
// MethodNotFound; a handler that throws answers InternalError and the server keeps running.

import { formatFtl } from '../../grammar/format/format.ts';
import { analyze, type Analysis } from './analysis.ts';
import { completion } from './completion.ts';
import { definition } from './definition.ts';
import { toLspDiagnostics } from './diagnostics.ts';
import { hover } from './hover.ts';
import { ErrorCodes, isNotification, isRequest, type Message } from './jsonrpc.ts';
import type { Position } from './positions.ts';
import { documentSymbols } from './symbols.ts';
import { Workspace } from './workspace.ts';

export interface ServerOptions {
  readonly send: (m: Message) => void;
  readonly exit: (code: number) => void;
  readonly log?: (line: string) => void;
  /** Delay before re-checking after an edit, ms (diagnostics are debounced). */
  readonly debounceMs?: number;
  readonly stdlibDir?: string;
}

interface TextDocumentParams {
  readonly textDocument: { readonly uri: string; readonly text?: string; readonly version?: number };
  readonly position?: Position;
  readonly contentChanges?: readonly { readonly text: string; readonly range?: unknown }[];
}

export const serverCapabilities = {
  textDocumentSync: { openClose: true, change: 1 /* Full */ },
  hoverProvider: true,
  completionProvider: { triggerCharacters: ['.', '(', ','] },
  definitionProvider: true,
  documentFormattingProvider: true,
  documentSymbolProvider: true,
};

export class Server {
  private readonly ws: Workspace;
  private initialized = false;
  private shutDown = false;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly cache = new Map<string, { version: number; analysis: Analysis }>();

  constructor(private readonly opts: ServerOptions) {
    this.ws = new Workspace(opts.stdlibDir);
  }

  async handle(m: Message): Promise<void> {
    if (isRequest(m)) {
      const reply = (result: unknown) => this.opts.send({ jsonrpc: '2.0', id: m.id, result });
      const fail = (code: number, message: string) =>
        this.opts.send({ jsonrpc: '2.0', id: m.id, error: { code, message } });
      if (!this.initialized && m.method !== 'initialize')
        return fail(ErrorCodes.ServerNotInitialized, 'the server is not initialized');
      if (this.shutDown) return fail(ErrorCodes.InvalidRequest, 'the server is shutting down');
      try {
        const result = await this.request(m.method, m.params as TextDocumentParams);
        if (result === NOT_FOUND) return fail(ErrorCodes.MethodNotFound, `unhandled method ${m.method}`);
        reply(result);
      } catch (err) {
        this.opts.log?.(`error in ${m.method}: ${(err as Error)?.stack ?? err}`);
        fail(ErrorCodes.InternalError, `internal error in ${m.method}: ${(err as Error)?.message ?? err}`);
      }
    } else if (isNotification(m)) {
      try {
        this.notification(m.method, m.params as TextDocumentParams);
      } catch (err) {
        this.opts.log?.(`error in ${m.method}: ${(err as Error)?.stack ?? err}`);
      }
    }
    // responses to our own requests: we send none, so there are none to match
  }

  private analysis(uri: string): Analysis | undefined {
    const doc = this.ws.get(uri);
    if (!doc) return undefined;
    const hit = this.cache.get(uri);
    if (hit && hit.version === doc.version && hit.analysis.doc.text === doc.text) return hit.analysis;
    const analysis = analyze(doc, this.ws);
    this.cache.set(uri, { version: doc.version, analysis });
    return analysis;
  }

  private async request(method: string, p: TextDocumentParams): Promise<unknown> {
    const at = (): { a: Analysis; offset: number } | undefined => {
      const a = this.analysis(p.textDocument.uri);
      return a && p.position ? { a, offset: a.index.offset(p.position) } : undefined;
    };
    switch (method) {
      case 'initialize':
        this.initialized = true;
        return { capabilities: serverCapabilities, serverInfo: { name: 'ftl' } };
      case 'shutdown':
        this.shutDown = true;
        for (const t of this.timers.values()) clearTimeout(t);
        this.timers.clear();
        return null;
      case 'textDocument/hover': {
        const q = at();
        return q ? hover(q.a, q.offset, this.ws.resolver()) : null;
      }
      case 'textDocument/completion': {
        const q = at();
        return q ? { isIncomplete: false, items: completion(q.a, q.offset, this.ws.stdlibDir) } : null;
      }
      case 'textDocument/definition': {
        const q = at();
        return q ? definition(q.a, q.offset, this.ws.resolver(), (f) => this.ws.textOf(f)) : null;
      }
      case 'textDocument/documentSymbol': {
        const a = this.analysis(p.textDocument.uri);
        return a ? documentSymbols(a) : null;
      }
      case 'textDocument/formatting': {
        const doc = this.ws.get(p.textDocument.uri);
        if (!doc) return null;
        const r = await formatFtl(doc.text, doc.file);
        // a file with syntax errors (or a formatter failure) is never touched
        if (!r.ok || !r.changed) return [];
        const a = this.analysis(doc.uri)!;
        return [{ range: a.index.range(0, doc.text.length), newText: r.formatted }];
      }
      default:
        return NOT_FOUND;
    }
  }

  private notification(method: string, p: TextDocumentParams): void {
    switch (method) {
      case 'initialized':
        return;
      case 'exit':
        this.opts.exit(this.shutDown ? 0 : 1);
        return;
      case 'textDocument/didOpen':
        this.ws.open(p.textDocument.uri, p.textDocument.text ?? '', p.textDocument.version ?? 0);
        this.schedule(p.textDocument.uri, 0);
        return;
      case 'textDocument/didChange': {
        const last = p.contentChanges?.[p.contentChanges.length - 1];
        if (!last) return;
        this.ws.change(p.textDocument.uri, last.text, p.textDocument.version ?? 0);
        // files importing this one may change too: re-check every open document
        for (const d of this.ws.all()) this.schedule(d.uri, this.opts.debounceMs ?? 150);
        return;
      }
      case 'textDocument/didClose':
        this.ws.close(p.textDocument.uri);
        this.cache.delete(p.textDocument.uri);
        clearTimeout(this.timers.get(p.textDocument.uri));
        this.opts.send({
          jsonrpc: '2.0',
          method: 'textDocument/publishDiagnostics',
          params: { uri: p.textDocument.uri, diagnostics: [] },
        });
        return;
      default:
        return; // `$/cancelRequest`, `$/setTrace`, didSave, workspace notifications: nothing to do
    }
  }

  private schedule(uri: string, delay: number): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.publish(uri);
      }, delay),
    );
  }

  private publish(uri: string): void {
    // dependencies may have changed under a cached analysis: always analyse afresh here
    this.cache.delete(uri);
    const a = this.analysis(uri);
    if (!a) return;
    const diagnostics = toLspDiagnostics(
      a.diagnostics,
      a.doc.file,
      uri,
      a.index,
      (f) => a.sources.get(f) ?? this.ws.textOf(f),
    );
    this.opts.send({
      jsonrpc: '2.0',
      method: 'textDocument/publishDiagnostics',
      params: { uri, version: a.doc.version, diagnostics },
    });
  }
}

const NOT_FOUND = Symbol('method not found');
