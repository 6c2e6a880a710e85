// safetensors read/write, exactly per the format:
//   [8 bytes: N, u64 little-endian] [N bytes: UTF-8 JSON header, padded with spaces so the data
//   starts 8-byte aligned] [data: the tensors' bytes, little-endian, row-major]
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets are
// relative to the start of the data section) plus an optional "__metadata__" of string->string.
//
// On read, F32/F16/BF16 become f32 and I32/I64 become i32 (I64 range-checked). Every defect of a
// file (truncated, header too long or not JSON, offsets out of range or overlapping, size not
// matching shape, unknown dtype) is a Diagnostic naming the file, never an exception. Writes go
// through writeFileAtomic, so an existing checkpoint survives a crash mid-write.

import * as fs from 'node:fs';
import { type Result, ok, fail, type JsonValue } from '../data/result.ts';
import { type HostTensor, numel } from './tensor.ts';
import { f16ToF32, bf16ToF32, f32ToF16, f32ToBf16 } from './half.ts';
import { writeFileAtomic } from './atomic.ts';

export type StDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';
const ITEMSIZE: Record<StDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };
/** Dtypes the format defines that ftl does not read (yet): a clearer message than "unknown". */
const UNSUPPORTED = new Set([
  'F64',
  'I8',
  'U8',
  'I16',
  'U16',
  'U32',
  'U64',
  'BOOL',
  'F8_E4M3',
  'F8_E5M2',
  'C64',
]);
/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  readonly name: string;
  readonly dtype: StDtype;
  readonly shape: readonly number[];
  /** Byte range inside the data section, end exclusive. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly file: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** In header order. */
  readonly entries: readonly TensorEntry[];
  /** Absolute file offset where the data section starts (8 + N). */
  readonly dataStart: number;
}

export interface SafetensorsContents {
  readonly metadata: Record<string, string>;
  readonly tensors: Record<string, HostTensor>;
}

const E = {
  unreadable: 'FTL0701',
  truncated: 'FTL0702',
  header: 'FTL0703',
  offsets: 'FTL0704',
  dtype: 'FTL0705',
  range: 'FTL0706',
  write: 'FTL0708',
};

// ---------------------------------------------------------------- reading

/** Validate the header (given the first 8+N bytes and the file size) without touching the data. */
export function parseHeader(file: string, head: Uint8Array, fileSize: number): Result<SafetensorsHeader> {
  if (fileSize < 8 || head.length < 8)
    return fail(
      E.truncated,
      file,
      `truncated: ${fileSize} bytes, too short for the 8-byte header length`,
      'the file is incomplete; re-download or re-save it',
    );
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES))
    return fail(
      E.header,
      file,
      `header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit`,
      'this is not a safetensors file, or its first 8 bytes are corrupt',
    );
  const hlen = Number(n);
  if (8 + hlen > fileSize)
    return fail(
      E.truncated,
      file,
      `truncated: header says ${hlen} bytes but the file has only ${fileSize - 8} after the length`,
      'the file is incomplete; re-download or re-save it',
    );
  if (head.length < 8 + hlen) throw new Error('parseHeader: caller passed too few header bytes');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + hlen)));
  } catch (e) {
    return fail(
      E.header,
      file,
      `header is not valid UTF-8 JSON (${(e as Error).message})`,
      'the file is corrupt or not a safetensors file',
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return fail(E.header, file, 'header is not a JSON object');
  const dataLen = fileSize - 8 - hlen;
  const entries: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(json as Record<string, JsonValue>)) {
    if (name === '__metadata__') {
      if (
        typeof v !== 'object' ||
        v === null ||
        Array.isArray(v) ||
        Object.values(v).some((x) => typeof x !== 'string')
      )
        return fail(E.header, file, '`__metadata__` must be an object of string values');
      metadata = v as Record<string, string>;
      continue;
    }
    const r = parseEntry(file, name, v, dataLen);
    if (!r.ok) return r;
    entries.push(r.value);
  }
  // Overlap check: sort by begin; each tensor must start at or after the previous one's end.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!,
      c = sorted[i]!;
    if (c.begin < p.end)
      return fail(
        E.offsets,
        file,
        `tensors \`${p.name}\` [${p.begin}, ${p.end}) and \`${c.name}\` [${c.begin}, ${c.end}) overlap`,
        'the header is corrupt; re-save the checkpoint',
      );
  }
  return ok({ file, metadata, entries, dataStart: 8 + hlen });
}

function parseEntry(file: string, name: string, v: JsonValue, dataLen: number): Result<TensorEntry> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return fail(E.header, file, `entry \`${name}\` is not an object`);
  const { dtype, shape, data_offsets: offs } = v as Record<string, JsonValue>;
  if (typeof dtype !== 'string') return fail(E.header, file, `tensor \`${name}\` has no dtype`);
  if (!(dtype in ITEMSIZE)) {
    const what = UNSUPPORTED.has(dtype) ? `unsupported dtype ${dtype}` : `unknown dtype \`${dtype}\``;
    return fail(
      E.dtype,
      file,
      `tensor \`${name}\`: ${what}`,
      'ftl reads F32, F16, BF16, I32 and I64; convert the checkpoint to one of these',
    );
  }
  const isUint = (x: JsonValue): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!Array.isArray(shape) || !shape.every(isUint))
    return fail(E.header, file, `tensor \`${name}\`: shape must be a list of non-negative integers`);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isUint))
    return fail(E.header, file, `tensor \`${name}\`: data_offsets must be [begin, end]`);
  const [begin, end] = offs as [number, number];
  const dt = dtype as StDtype;
  if (begin > end || end > dataLen)
    return fail(
      E.offsets,
      file,
      `tensor \`${name}\`: data_offsets [${begin}, ${end}] out of range (data section is ${dataLen} bytes)`,
      'the file is truncated or its header is corrupt',
    );
  const want = numel(shape as number[]) * ITEMSIZE[dt];
  if (end - begin !== want)
    return fail(
      E.offsets,
      file,
      `tensor \`${name}\`: ${end - begin} bytes for shape [${(shape as number[]).join(', ')}] of ${dt}, expected ${want}`,
    );
  return ok({ name, dtype: dt, shape: shape as number[], begin, end });
}

/** Read into `buf` from `pos` until full or end of file (one readSync may return less). */
function readFully(fd: number, buf: Uint8Array, pos: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, Math.min(buf.length - got, 1 << 30), pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Run file I/O, turning an OS error (EISDIR, EACCES, EIO, ...) into a diagnostic. */
function guardIo<T>(file: string, f: () => Result<T>): Result<T> {
  try {
    return f();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    return fail(E.unreadable, file, `cannot read: ${code}`, 'check the path and its permissions');
  }
}

/** Read and validate only the header of a file on disk. */
export function openSafetensors(file: string): Result<SafetensorsHeader> {
  return guardIo(file, () => {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const lenBuf = new Uint8Array(8);
      const got = readFully(fd, lenBuf, 0);
      if (got < 8) return parseHeader(file, lenBuf.subarray(0, got), size);
      const n = new DataView(lenBuf.buffer).getBigUint64(0, true);
      if (n > BigInt(MAX_HEADER_BYTES) || 8 + Number(n) > size) return parseHeader(file, lenBuf, size);
      const head = new Uint8Array(8 + Number(n));
      readFully(fd, head, 0);
      return parseHeader(file, head, size);
    } finally {
      fs.closeSync(fd);
    }
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode one tensor's raw little-endian bytes into a host tensor. */
export function decodeTensor(file: string, e: TensorEntry, bytes: Uint8Array): Result<HostTensor> {
  const n = numel(e.shape);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (e.dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN)
        return ok({ dtype: 'f32', shape: e.shape, data: new Float32Array(new Uint8Array(bytes).buffer) });
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return ok({ dtype: 'f32', shape: e.shape, data: out });
    }
    case 'F16':
    case 'BF16': {
      const conv = e.dtype === 'F16' ? f16ToF32 : bf16ToF32;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = conv(dv.getUint16(2 * i, true));
      return ok({ dtype: 'f32', shape: e.shape, data: out });
    }
    case 'I32': {
      if (LITTLE_ENDIAN)
        return ok({ dtype: 'i32', shape: e.shape, data: new Int32Array(new Uint8Array(bytes).buffer) });
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      return ok({ dtype: 'i32', shape: e.shape, data: out });
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(8 * i, true);
        if (v < -2147483648n || v > 2147483647n)
          return fail(
            E.range,
            file,
            `tensor \`${e.name}\`: I64 value ${v} at index ${i} does not fit in i32`,
            'ftl keeps integer tensors as i32',
          );
        out[i] = Number(v);
      }
      return ok({ dtype: 'i32', shape: e.shape, data: out });
    }
  }
}

/** Read some (default: all) tensors of a file on disk, one byte range at a time. */
export function readSafetensors(file: string, names?: readonly string[]): Result<SafetensorsContents> {
  const h = openSafetensors(file);
  if (!h.ok) return h;
  const byName = new Map(h.value.entries.map((e) => [e.name, e]));
  const want = names ?? h.value.entries.map((e) => e.name);
  const tensors: Record<string, HostTensor> = {};
  return guardIo(file, () => {
    const fd = fs.openSync(file, 'r');
    try {
      for (const name of want) {
        const e = byName.get(name);
        if (!e) return fail(E.header, file, `no tensor named \`${name}\``);
        const buf = new Uint8Array(e.end - e.begin);
        if (readFully(fd, buf, h.value.dataStart + e.begin) < buf.length)
          return fail(E.truncated, file, `truncated while reading \`${name}\``);
        const t = decodeTensor(file, e, buf);
        if (!t.ok) return t;
        tensors[name] = t.value;
      }
    } finally {
      fs.closeSync(fd);
    }
    return ok({ metadata: { ...h.value.metadata }, tensors });
  });
}

/** Parse a whole safetensors file already in memory. */
export function parseSafetensors(bytes: Uint8Array, file = '<memory>'): Result<SafetensorsContents> {
  const n = bytes.length >= 8 ? new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true) : 0n;
  const headLen = n > BigInt(MAX_HEADER_BYTES) ? 8 : Math.min(bytes.length, 8 + Number(n));
  const h = parseHeader(file, bytes.subarray(0, headLen), bytes.length);
  if (!h.ok) return h;
  const tensors: Record<string, HostTensor> = {};
  for (const e of h.value.entries) {
    const t = decodeTensor(file, e, bytes.subarray(h.value.dataStart + e.begin, h.value.dataStart + e.end));
    if (!t.ok) return t;
    tensors[e.name] = t.value;
  }
  return ok({ metadata: { ...h.value.metadata }, tensors });
}

// ---------------------------------------------------------------- writing

export interface WriteOptions {
  readonly metadata?: Readonly<Record<string, string>>;
  /** On-disk dtype per tensor (default F32 for f32 tensors, I32 for i32 ones). */
  readonly dtypes?: Readonly<Record<string, StDtype>>;
  /** On-disk dtype for every f32 tensor not named in `dtypes` (e.g. 'BF16' to halve a file). */
  readonly floatDtype?: 'F32' | 'F16' | 'BF16';
}

function encodeTensor(t: HostTensor, dt: StDtype): Uint8Array {
  const n = t.data.length;
  const out = new Uint8Array(n * ITEMSIZE[dt]);
  const dv = new DataView(out.buffer);
  const isFloat = dt === 'F32' || dt === 'F16' || dt === 'BF16';
  if (isFloat !== (t.dtype === 'f32')) throw new Error(`cannot store a ${t.dtype} tensor as ${dt}`);
  if (LITTLE_ENDIAN && (dt === 'F32' || dt === 'I32')) {
    // Same layout as memory: copy the bytes (also keeps NaN payloads exactly).
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = t.data[i]!;
    if (dt === 'F32') dv.setFloat32(4 * i, v, true);
    else if (dt === 'F16') dv.setUint16(2 * i, f32ToF16(v), true);
    else if (dt === 'BF16') dv.setUint16(2 * i, f32ToBf16(v), true);
    else if (dt === 'I32') dv.setInt32(4 * i, v, true);
    else dv.setBigInt64(8 * i, BigInt(v), true);
  }
  return out;
}

/** Serialize to the byte chunks of a safetensors file (length, header, then each tensor).
 *  Tensors are laid out by item size, largest first, then by name (as the reference writer
 *  does), so each tensor's data is aligned to its item size. */
export function encodeSafetensors(
  tensors: Readonly<Record<string, HostTensor>>,
  opts: WriteOptions = {},
): Uint8Array[] {
  const dtypeOf = (name: string, t: HostTensor): StDtype =>
    opts.dtypes?.[name] ?? (t.dtype === 'i32' ? 'I32' : (opts.floatDtype ?? 'F32'));
  const names = Object.keys(tensors).sort((a, b) => {
    const d = ITEMSIZE[dtypeOf(b, tensors[b]!)] - ITEMSIZE[dtypeOf(a, tensors[a]!)];
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (opts.metadata && Object.keys(opts.metadata).length) header.__metadata__ = opts.metadata;
  const datas: Uint8Array[] = [];
  let off = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const dt = dtypeOf(name, t);
    const bytes = encodeTensor(t, dt);
    header[name] = { dtype: dt, shape: [...t.shape], data_offsets: [off, off + bytes.length] };
    datas.push(bytes);
    off += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((8 + json.length) % 8)) % 8; // data section starts 8-byte aligned
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
  return [len, json, ...datas];
}

/** Write atomically. An I/O failure becomes a diagnostic; the old file, if any, is untouched. */
export function writeSafetensors(
  file: string,
  tensors: Readonly<Record<string, HostTensor>>,
  opts: WriteOptions = {},
): Result<void> {
  const chunks = encodeSafetensors(tensors, opts);
  try {
    writeFileAtomic(file, chunks);
  } catch (e) {
    return fail(
      E.write,
      file,
      `cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'check that the directory is writable and the disk is not full',
    );
  }
  return ok(undefined);
}
