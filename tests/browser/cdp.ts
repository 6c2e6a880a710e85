// A minimal Chrome DevTools Protocol client: one WebSocket (RFC 6455, client side) over a
// `node:http` upgrade, JSON commands with ids, replies matched by id. Loopback only.
// Enough for Runtime.evaluate / Page.navigate; events are ignored. Every call has a timeout.

import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export class CdpClient {
  private nextId = 1;
  private readonly pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  private buf = Buffer.alloc(0);
  private fragments: Buffer[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.failAll(new Error('DevTools connection closed')));
    socket.on('error', (e) => this.failAll(e));
  }

  /** Connect to a ws://127.0.0.1:PORT/devtools/... URL. */
  static connect(wsUrl: string, timeoutMs = 5000): Promise<CdpClient> {
    const u = new URL(wsUrl);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error(`not loopback: ${wsUrl}`);
    return new Promise((ok, fail) => {
      const req = request({
        host: u.hostname,
        port: Number(u.port),
        path: u.pathname,
        timeout: timeoutMs,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.on('upgrade', (_res, socket, head) => {
        const c = new CdpClient(socket);
        if (head.length) c.onData(head);
        ok(c);
      });
      req.on('response', (res) => fail(new Error(`no WebSocket upgrade: HTTP ${res.statusCode}`)));
      req.on('timeout', () => req.destroy(new Error('DevTools connect timed out')));
      req.on('error', fail);
      req.end();
    });
  }

  /** Send one command; resolves with its `result`, rejects with its `error` or on timeout. */
  send(method: string, params: object = {}, timeoutMs = 20_000): Promise<any> {
    const id = this.nextId++;
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new Error(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        ok: (v) => (clearTimeout(timer), ok(v)),
        fail: (e) => (clearTimeout(timer), fail(e)),
      });
      this.writeFrame(0x1, Buffer.from(JSON.stringify({ id, method, params })));
    });
  }

  close(): void {
    try {
      this.writeFrame(0x8, Buffer.alloc(0));
    } catch {
      // already gone
    }
    this.socket.destroy();
  }

  /** Client frames are always masked (RFC 6455 5.3); FIN set, no fragmentation on send. */
  private writeFrame(opcode: number, payload: Buffer): void {
    const n = payload.length;
    const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    if (n < 126) head[1] = 0x80 | n;
    else if (n < 65536) ((head[1] = 0x80 | 126), head.writeUInt16BE(n, 2));
    else ((head[1] = 0x80 | 127), head.writeBigUInt64BE(BigInt(n), 2));
    const mask = randomBytes(4);
    const body = Buffer.alloc(n);
    for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([head, mask, body]));
  }

  /** Server frames are unmasked; a message may span continuation frames (opcode 0). */
  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      const fin = (this.buf[0] & 0x80) !== 0;
      const opcode = this.buf[0] & 0x0f;
      let len = this.buf[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buf.length < at + len) return;
      const payload = this.buf.subarray(at, at + len);
      this.buf = this.buf.subarray(at + len);
      if (opcode === 0x8) {
        this.socket.destroy();
        return;
      }
      if (opcode === 0x9) this.writeFrame(0xa, Buffer.from(payload)); // ping -> pong
      if (opcode !== 0x1 && opcode !== 0x0) continue;
      this.fragments.push(Buffer.from(payload));
      if (!fin) continue;
      const text = Buffer.concat(this.fragments).toString('utf8');
      this.fragments = [];
      this.onMessage(JSON.parse(text));
    }
  }

  private onMessage(m: { id?: number; result?: unknown; error?: { message: string } }): void {
    if (m.id === undefined) return; // an event
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.fail(new Error(`DevTools: ${m.error.message}`));
    else p.ok(m.result);
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.fail(e);
    this.pending.clear();
  }
}
