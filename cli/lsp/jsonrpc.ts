// JSON-RPC 2.0 over a byte stream with LSP's `Content-Length` framing (the base protocol of
// the Language Server Protocol): `Content-Length: N\r\n\r\n` then N bytes of UTF-8 JSON.
//
//   const r = new MessageReader(); r.feed(chunk) -> Message[]   (chunks may split anywhere)
//   encodeMessage(msg) -> Buffer                                (header + body, ready to write)
//
// The length counts bytes, not characters: a body with `é` or an emoji is longer in bytes
// than in JS string length, so buffering is done on Buffers and decoded only when whole.

export type Id = number | string;

export interface RequestMessage {
  readonly jsonrpc: '2.0';
  readonly id: Id;
  readonly method: string;
  readonly params?: unknown;
}

export interface NotificationMessage {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params?: unknown;
}

export interface ResponseError {
  readonly code: number;
  readonly message: string;
}

export interface ResponseMessage {
  readonly jsonrpc: '2.0';
  readonly id: Id | null;
  readonly result?: unknown;
  readonly error?: ResponseError;
}

export type Message = RequestMessage | NotificationMessage | ResponseMessage;

/** Error codes of JSON-RPC and LSP that this server sends. */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InternalError: -32603,
  ServerNotInitialized: -32002,
} as const;

const SEPARATOR = Buffer.from('\r\n\r\n', 'ascii');

/** Reassembles framed messages from arbitrary chunks. Malformed bodies are reported, not thrown. */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly onBadMessage: (why: string) => void = () => {}) {}

  feed(chunk: Buffer | string): Message[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.buf = this.buf.length === 0 ? bytes : Buffer.concat([this.buf, bytes]);
    const out: Message[] = [];
    for (;;) {
      const headerEnd = this.buf.indexOf(SEPARATOR);
      if (headerEnd < 0) return out;
      const header = this.buf.subarray(0, headerEnd).toString('ascii');
      const m = /(?:^|\r\n)content-length:\s*(\d+)/i.exec(header);
      if (!m) {
        // a header block without a length cannot be skipped reliably past its body: drop it
        this.onBadMessage(`header without Content-Length: ${JSON.stringify(header)}`);
        this.buf = this.buf.subarray(headerEnd + SEPARATOR.length);
        continue;
      }
      const start = headerEnd + SEPARATOR.length;
      const end = start + Number(m[1]);
      if (this.buf.length < end) return out;
      const body = this.buf.subarray(start, end).toString('utf8');
      this.buf = this.buf.subarray(end);
      try {
        out.push(JSON.parse(body) as Message);
      } catch {
        this.onBadMessage(`body is not JSON: ${body.slice(0, 80)}`);
      }
    }
  }
}

export function encodeMessage(msg: Message): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

export const isRequest = (m: Message): m is RequestMessage =>
  'method' in m && 'id' in m && m.id !== undefined;
export const isNotification = (m: Message): m is NotificationMessage => 'method' in m && !('id' in m);
