// safetensors: bit-exact round trips, byte layout checked by hand, files built byte-by-byte in the
// test (independent of the writer), every kind of corruption reported as a diagnostic, sharding.
import { describe, it, expect, beforeEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  readSafetensors,
  writeSafetensors,
  encodeSafetensors,
  parseSafetensors,
} from '../../runtime/checkpoint/safetensors.ts';
import { readModelFolder, writeModelFolder } from '../../runtime/checkpoint/sharded.ts';
import { f32, i32, type HostTensor } from '../../runtime/checkpoint/tensor.ts';
import type { Result } from '../../runtime/data/result.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-st-'));
});

/** Build a file by hand: header JSON (unpadded unless asked) + raw data bytes. */
function handFile(header: object | string, data: number[] | Uint8Array, declaredLen?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(declaredLen ?? BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(data)]);
}

function errorOf(r: Result<unknown>): { code: string; message: string } {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  return { code: r.diagnostics[0]!.code, message: r.diagnostics[0]!.message };
}

const bitsOf = (t: HostTensor) =>
  Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

describe('safetensors round trip', () => {
  it('is bit-exact for f32 (incl. -0, inf, NaN payloads, subnormals) and i32', () => {
    const raw = new Uint32Array([
      0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00001, 0x00000001, 0x3f800000, 0xdeadbeef,
      0x12345678,
    ]);
    const a = f32([3, 3], new Float32Array(raw.buffer));
    const b = i32([4], [0, -1, 2147483647, -2147483648]);
    const c = f32([0, 5], []);
    const file = path.join(dir, 'x.safetensors');
    expect(writeSafetensors(file, { 'w.a': a, idx: b, empty: c }, { metadata: { format: 'pt' } }).ok).toBe(
      true,
    );
    const r = readSafetensors(file);
    if (!r.ok) throw new Error(r.diagnostics[0]!.message);
    expect(bitsOf(r.value.tensors['w.a']!)).toEqual(Array.from(raw));
    expect(r.value.tensors['w.a']!.shape).toEqual([3, 3]);
    expect(Array.from(r.value.tensors.idx!.data)).toEqual([0, -1, 2147483647, -2147483648]);
    expect(r.value.tensors.idx!.dtype).toBe('i32');
    expect(r.value.tensors.empty!.shape).toEqual([0, 5]);
    expect(r.value.metadata).toEqual({ format: 'pt' });
  });

  it('writes the documented byte layout: u64 LE length, space-padded JSON, 8-aligned data', () => {
    const bytes = Buffer.concat(
      encodeSafetensors(
        { b: f32([1], [2]), a: f32([2], [1, -1]), h: f32([3], [1, 2, 3]) },
        { dtypes: { h: 'F16' } },
      ),
    );
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    expect(text.trimEnd().length).toBeLessThanOrEqual(n);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const header = JSON.parse(text);
    // Larger items first, then by name: a (F32), b (F32), h (F16).
    expect(header.a).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [1], data_offsets: [8, 12] });
    expect(header.h).toEqual({ dtype: 'F16', shape: [3], data_offsets: [12, 18] });
    const data = bytes.subarray(8 + n);
    expect(data.length).toBe(18);
    expect(data.readFloatLE(4)).toBe(-1);
    expect([data.readUInt16LE(12), data.readUInt16LE(14), data.readUInt16LE(16)]).toEqual([
      0x3c00, 0x4000, 0x4200,
    ]);
  });

  it('reads hand-built F16, BF16, I32 and I64 tensors', () => {
    const d = Buffer.alloc(4 + 4 + 8 + 16);
    d.writeUInt16LE(0x3c00, 0);
    d.writeUInt16LE(0xc000, 2); // f16: 1, -2
    d.writeUInt16LE(0x3f80, 4);
    d.writeUInt16LE(0x4049, 6); // bf16: 1, 3.140625
    d.writeInt32LE(-7, 8);
    d.writeInt32LE(123456, 12);
    d.writeBigInt64LE(-5n, 16);
    d.writeBigInt64LE(2147483647n, 24);
    const bytes = handFile(
      {
        h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
        i: { dtype: 'I32', shape: [2], data_offsets: [8, 16] },
        l: { dtype: 'I64', shape: [2, 1], data_offsets: [16, 32] },
      },
      d,
    );
    const r = parseSafetensors(bytes);
    if (!r.ok) throw new Error(r.diagnostics[0]!.message);
    const t = r.value.tensors;
    expect(Array.from(t.h!.data)).toEqual([1, -2]);
    expect(Array.from(t.b!.data)).toEqual([1, 3.140625]);
    expect(Array.from(t.i!.data)).toEqual([-7, 123456]);
    expect(t.l!.dtype).toBe('i32');
    expect(Array.from(t.l!.data)).toEqual([-5, 2147483647]);
  });

  it('writes F16/BF16 with rounding, reading back the rounded values', () => {
    const file = path.join(dir, 'half.safetensors');
    writeSafetensors(file, { x: f32([3], [1 / 3, 65504, 1e-8]) }, { floatDtype: 'BF16' });
    const r = readSafetensors(file);
    if (!r.ok) throw new Error('read failed');
    const bf = new DataView(new ArrayBuffer(4));
    bf.setFloat32(0, 1 / 3);
    const hi = bf.getUint16(0),
      lo = bf.getUint16(2); // truncate to the high half, rounding on the low half
    bf.setUint16(0, lo > 0x8000 || (lo === 0x8000 && hi & 1) ? hi + 1 : hi);
    bf.setUint16(2, 0);
    expect(r.value.tensors.x!.data[0]).toBe(bf.getFloat32(0));
  });
});

describe('safetensors corruption', () => {
  const write = (name: string, bytes: Uint8Array) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };
  const ok1 = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it('missing file', () => {
    const e = errorOf(readSafetensors(path.join(dir, 'nope.safetensors')));
    expect(e.code).toBe('FTL0701');
    expect(e.message).toContain('nope.safetensors');
    expect(e.message).toContain('ENOENT');
  });
  it('a directory instead of a file', () => {
    const e = errorOf(readSafetensors(dir));
    expect(e.code).toBe('FTL0701');
    expect(e.message).toContain('EISDIR');
  });
  it('shorter than 8 bytes', () => {
    const e = errorOf(readSafetensors(write('a.safetensors', new Uint8Array([1, 2, 3]))));
    expect(e.code).toBe('FTL0702');
    expect(e.message).toMatch(/a\.safetensors: truncated/);
  });
  it('header length beyond the file', () => {
    const e = errorOf(readSafetensors(write('b.safetensors', handFile(ok1, new Uint8Array(8), 1000n))));
    expect(e.code).toBe('FTL0702');
  });
  it('header too long', () => {
    const e = errorOf(readSafetensors(write('c.safetensors', handFile(ok1, new Uint8Array(8), 1n << 40n))));
    expect(e.code).toBe('FTL0703');
    expect(e.message).toContain('over the');
  });
  it('header not JSON / not an object', () => {
    expect(errorOf(readSafetensors(write('d.safetensors', handFile('{"t": ', [])))).code).toBe('FTL0703');
    expect(errorOf(readSafetensors(write('e.safetensors', handFile('[1,2]', [])))).code).toBe('FTL0703');
  });
  it('data truncated: offsets out of range', () => {
    const e = errorOf(readSafetensors(write('f.safetensors', handFile(ok1, new Uint8Array(5)))));
    expect(e.code).toBe('FTL0704');
    expect(e.message).toMatch(/`t`.*out of range/);
  });
  it('overlapping tensors', () => {
    const h = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    const e = errorOf(readSafetensors(write('g.safetensors', handFile(h, new Uint8Array(12)))));
    expect(e.code).toBe('FTL0704');
    expect(e.message).toContain('overlap');
  });
  it('size not matching shape', () => {
    const h = { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } };
    expect(
      errorOf(readSafetensors(write('h.safetensors', handFile(h, new Uint8Array(8))))).message,
    ).toContain('expected 12');
  });
  it('unknown and unsupported dtypes', () => {
    const u = errorOf(
      readSafetensors(
        write('i.safetensors', handFile({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, [0])),
      ),
    );
    expect(u.code).toBe('FTL0705');
    expect(u.message).toContain('unknown dtype `Q4`');
    const f = errorOf(
      readSafetensors(
        write(
          'j.safetensors',
          handFile({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
        ),
      ),
    );
    expect(f.message).toContain('unsupported dtype F64');
  });
  it('I64 outside the i32 range', () => {
    const d = Buffer.alloc(8);
    d.writeBigInt64LE(1n << 40n);
    const e = errorOf(
      readSafetensors(
        write('k.safetensors', handFile({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, d)),
      ),
    );
    expect(e.code).toBe('FTL0706');
    expect(e.message).toContain(String(1n << 40n));
  });
  it('a failed write leaves no temp file and reports the path', () => {
    const target = path.join(dir, 'isdir');
    fs.mkdirSync(target);
    const e = errorOf(writeSafetensors(target, { a: f32([1], [1]) }));
    expect(e.code).toBe('FTL0708');
    expect(fs.readdirSync(dir)).toEqual(['isdir']);
  });
  it('overwriting keeps exactly one complete file and no temp files', () => {
    const file = path.join(dir, 'm.safetensors');
    writeSafetensors(file, { a: f32([1], [1]) });
    writeSafetensors(file, { a: f32([1], [2]) });
    expect(fs.readdirSync(dir)).toEqual(['m.safetensors']);
    const r = readSafetensors(file);
    expect(r.ok && r.value.tensors.a!.data[0]).toBe(2);
  });
});

describe('sharded model folders', () => {
  const tensors = {
    'a.w': f32(
      [4, 4],
      Array.from({ length: 16 }, (_, i) => i * 0.5),
    ),
    'b.w': f32(
      [8],
      Array.from({ length: 8 }, (_, i) => -i),
    ),
    'c.ids': i32([3], [1, 2, 3]),
  };

  it('splits into shards with an index and reads them back exactly', () => {
    const w = writeModelFolder(dir, tensors, { maxShardBytes: 64 });
    if (!w.ok) throw new Error('write failed');
    expect(w.value.files).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(index.metadata.total_size).toBe(64 + 32 + 12);
    expect(index.weight_map['a.w']).toBe('model-00001-of-00002.safetensors');
    const r = readModelFolder(dir);
    if (!r.ok) throw new Error(r.diagnostics[0]!.message);
    for (const [k, t] of Object.entries(tensors))
      expect(Array.from(r.value.tensors[k]!.data)).toEqual(Array.from(t.data));
  });
  it('one shard is written as model.safetensors', () => {
    const w = writeModelFolder(dir, tensors);
    expect(w.ok && w.value.files).toEqual(['model.safetensors']);
    expect(readModelFolder(dir).ok).toBe(true);
  });
  it('missing shard and missing tensor are reported against the index', () => {
    writeModelFolder(dir, tensors, { maxShardBytes: 64 });
    const idx = path.join(dir, 'model.safetensors.index.json');
    const j = JSON.parse(fs.readFileSync(idx, 'utf8'));
    j.weight_map['ghost'] = 'model-00002-of-00002.safetensors';
    fs.writeFileSync(idx, JSON.stringify(j));
    const e = errorOf(readModelFolder(dir));
    expect(e.code).toBe('FTL0707');
    expect(e.message).toContain('`ghost`');
    fs.rmSync(path.join(dir, 'model-00001-of-00002.safetensors'));
    expect(errorOf(readModelFolder(dir)).message).toContain('missing');
  });
  it('a folder with no weights', () => {
    expect(errorOf(readModelFolder(dir)).code).toBe('FTL0701');
  });
});
