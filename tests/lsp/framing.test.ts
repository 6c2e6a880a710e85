// Content-Length framing: byte lengths (not string lengths), chunks split anywhere,
// several messages in one chunk, and junk that must not wedge the reader.

import { describe, expect, it } from 'vitest';
import { encodeMessage, MessageReader, type Message } from '../../cli/lsp/jsonrpc.ts';

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
const msg = (id: number, text: string): Message => ({ jsonrpc: '2.0', id, method: 'm', params: { text } });

describe('MessageReader', () => {
  it('reads a message split byte by byte, including inside a multi-byte character', () => {
    const m = msg(1, 'héllo 🚀 wörld');
    const bytes = Buffer.from(frame(JSON.stringify(m)), 'utf8');
    const r = new MessageReader();
    const got: Message[] = [];
    for (let i = 0; i < bytes.length; i++) got.push(...r.feed(bytes.subarray(i, i + 1)));
    expect(got).toEqual([m]);
  });

  it('reads several messages from one chunk, in order', () => {
    const ms = [msg(1, 'a'), msg(2, 'ü'.repeat(50)), msg(3, '😀😀')];
    const r = new MessageReader();
    expect(r.feed(Buffer.from(ms.map((m) => frame(JSON.stringify(m))).join(''), 'utf8'))).toEqual(ms);
  });

  it('waits for the rest of a body whose byte length exceeds its string length', () => {
    const body = JSON.stringify(msg(7, '🚀🚀🚀'));
    const bytes = Buffer.from(frame(body), 'utf8');
    // the string has 6 UTF-16 units for the emoji but 12 bytes: cut just before the end
    const r = new MessageReader();
    expect(r.feed(bytes.subarray(0, bytes.length - 1))).toEqual([]);
    expect(r.feed(bytes.subarray(bytes.length - 1))).toEqual([JSON.parse(body)]);
  });

  it('accepts other headers and any header case', () => {
    const body = JSON.stringify(msg(1, 'x'));
    const text = `content-type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    expect(new MessageReader().feed(text)).toEqual([JSON.parse(body)]);
  });

  it('reports a body that is not JSON and goes on with the next message', () => {
    const bad: string[] = [];
    const r = new MessageReader((why) => bad.push(why));
    const good = JSON.stringify(msg(2, 'ok'));
    expect(r.feed(frame('{nope') + frame(good))).toEqual([JSON.parse(good)]);
    expect(bad).toHaveLength(1);
  });
});

describe('encodeMessage', () => {
  it('writes the UTF-8 byte length, which the reader round-trips', () => {
    const m = msg(3, 'ñ🚀');
    const bytes = encodeMessage(m);
    const header = /^Content-Length: (\d+)\r\n\r\n/.exec(bytes.toString('utf8'))!;
    expect(Number(header[1])).toBe(bytes.length - header[0].length);
    expect(Number(header[1])).toBeGreaterThan(JSON.stringify(m).length); // bytes, not units
    expect(new MessageReader().feed(bytes)).toEqual([m]);
  });
});
