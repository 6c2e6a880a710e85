// A minimal LSP client for tests: spawns `node cli/ftl.js lsp` and speaks framed JSON-RPC
// to it, with its own framing code (independent of the server's reader) so a framing bug
// on either side shows up.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

type Json = Record<string, unknown>;

export class LspClient {
  readonly proc: ChildProcessWithoutNullStreams;
  private buf = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, (m: Json) => void>();
  private readonly notes: Json[] = [];
  private readonly waiters: { method: string; pred: (p: Json) => boolean; done: (p: Json) => void }[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(cwd = process.cwd()) {
    this.proc = spawn(process.execPath, ['cli/ftl.js', 'lsp'], { cwd });
    this.proc.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.proc.stdout.on('data', (c: Buffer) => this.onData(c));
    this.exited = new Promise((res) => this.proc.on('exit', (code) => res(code)));
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const sep = this.buf.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, sep).toString())![1]);
      if (this.buf.length < sep + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(sep + 4, sep + 4 + len).toString('utf8')) as Json;
      this.buf = this.buf.subarray(sep + 4 + len);
      if ('id' in msg && !('method' in msg)) this.pending.get(msg.id as number)?.(msg);
      else {
        const w = this.waiters.findIndex((x) => x.method === msg.method && x.pred(msg.params as Json));
        if (w >= 0) this.waiters.splice(w, 1)[0]!.done(msg.params as Json);
        else this.notes.push(msg);
      }
    }
  }

  send(msg: Json): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
    this.proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
  }

  request(method: string, params: unknown): Promise<Json> {
    const id = this.nextId++;
    return new Promise((res) => {
      this.pending.set(id, res);
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** The next notification `method` whose params satisfy `pred` (including ones already received). */
  notification(method: string, pred: (p: Json) => boolean = () => true): Promise<Json> {
    const i = this.notes.findIndex((n) => n.method === method && pred(n.params as Json));
    if (i >= 0) return Promise.resolve(this.notes.splice(i, 1)[0]!.params as Json);
    return new Promise((done) => this.waiters.push({ method, pred, done }));
  }
}
