// A minimal Parquet writer for tests, written from the format spec (parquet-format's
// parquet.thrift and Encodings.md), independent of hyparquet: uncompressed (or GZIP), PLAIN values, one
// data page (v1) per column chunk, levels as RLE runs, a Thrift compact-protocol footer.
// Supports BYTE_ARRAY (UTF8) and INT32 leaves under REQUIRED / OPTIONAL / REPEATED groups,
// so it can write flat columns, nullable columns and list<struct<role, content>> chat messages
// the way pyarrow lays them out (Dremel record shredding: repetition + definition levels).
//
//   writeParquet(file, schema, rows, { rowGroupSize })
//
// This is test-only code: hyparquet-writer would do the same job as a dev dependency.

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

export type Repetition = 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
export interface Field {
  readonly name: string;
  readonly repetition?: Repetition; // default REQUIRED
  /** Leaf type; absent for groups. */
  readonly type?: 'BYTE_ARRAY' | 'INT32';
  /** Group annotation: LIST marks the 3-level list layout (group (LIST) > repeated list > element). */
  readonly list?: boolean;
  readonly children?: readonly Field[];
}

const TYPE = { BYTE_ARRAY: 6, INT32: 1 } as const;
const REP = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const CONVERTED_UTF8 = 0,
  CONVERTED_LIST = 3;
const ENC_PLAIN = 0,
  ENC_RLE = 3;
/** GZIP pages are really compressed (node:zlib); ZSTD is only declared, to test refusals. */
export type Codec = 'UNCOMPRESSED' | 'GZIP' | 'ZSTD';
const CODEC = { UNCOMPRESSED: 0, GZIP: 2, ZSTD: 6 } as const;

// ─── Thrift compact protocol ───
// Field header: (delta << 4) | type when 1 <= delta <= 15. Types: I32 5, I64 6, BINARY 8, LIST 9, STRUCT 12.
class Thrift {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(n: number): void {
    let v = BigInt(n);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      this.bytes.push(b);
    } while (v);
  }
  zigzag(n: number): void {
    const v = BigInt(n);
    this.varint(Number(v >= 0n ? v << 1n : (-v << 1n) - 1n));
  }
  header(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta < 1 || delta > 15) throw new Error('test writer: field ids must increase by 1..15');
    this.bytes.push((delta << 4) | type);
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.header(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number): void {
    this.header(id, 6);
    this.zigzag(v);
  }
  binary(id: number, s: string | Uint8Array): void {
    this.header(id, 8);
    this.rawBinary(s);
  }
  rawBinary(s: string | Uint8Array): void {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    this.varint(b.length);
    this.bytes.push(...b);
  }
  list(id: number, elemType: number, n: number): void {
    this.header(id, 9);
    if (n < 15) this.bytes.push((n << 4) | elemType);
    else (this.bytes.push(0xf0 | elemType), this.varint(n));
  }
  /** A struct (as a field when id is given, else a list element), closed with a stop byte. */
  struct(id: number | undefined, body: () => void): void {
    if (id !== undefined) this.header(id, 12);
    this.last.push(0);
    body();
    this.bytes.push(0);
    this.last.pop();
  }
}

// ─── Record shredding ───
interface Leaf {
  readonly path: Field[];
  readonly maxRep: number;
  readonly maxDef: number;
}
interface Levels {
  rep: number[];
  def: number[];
  values: (string | number)[];
}

function leaves(fields: readonly Field[], prefix: Field[] = []): Leaf[] {
  return fields.flatMap((f) => {
    const p = [...prefix, f];
    if (f.children) return leaves(f.children, p);
    const rep = (x: Field) => x.repetition ?? 'REQUIRED';
    return [
      {
        path: p,
        maxRep: p.filter((x) => rep(x) === 'REPEATED').length,
        maxDef: p.filter((x) => rep(x) !== 'REQUIRED').length,
      },
    ];
  });
}

/** Append the levels and values of `value` (the value at path[i]) for one leaf. */
function shred(leaf: Leaf, i: number, value: unknown, r: number, d: number, out: Levels): void {
  const node = leaf.path[i]!;
  const repetition = node.repetition ?? 'REQUIRED';
  const inner = (v: unknown, r2: number, d2: number) => {
    if (i === leaf.path.length - 1) {
      out.rep.push(r2);
      out.def.push(d2);
      out.values.push(v as string | number);
      return;
    }
    const child = leaf.path[i + 1]!;
    // A LIST group hands its array to the repeated wrapper; the wrapper's items are the element.
    const parentIsList = node.list === true;
    const wrapper = i > 0 && leaf.path[i - 1]!.list === true && repetition === 'REPEATED';
    const cv = parentIsList || wrapper ? v : (v as Record<string, unknown> | null)?.[child.name];
    shred(leaf, i + 1, cv, r2, d2, out);
  };
  if (repetition === 'REPEATED') {
    const arr = (value ?? []) as unknown[];
    if (arr.length === 0) return void (out.rep.push(r), out.def.push(d));
    const level = leaf.path.slice(0, i + 1).filter((x) => x.repetition === 'REPEATED').length;
    arr.forEach((item, j) => inner(item, j === 0 ? r : level, d + 1));
  } else if (repetition === 'OPTIONAL') {
    if (value === null || value === undefined) return void (out.rep.push(r), out.def.push(d));
    inner(value, r, d + 1);
  } else {
    if (value === null || value === undefined) throw new Error(`test writer: required ${node.name} is null`);
    inner(value, r, d);
  }
}

// ─── Encodings ───
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
function varintBytes(n: number): number[] {
  const t = new Thrift();
  t.varint(n);
  return t.bytes;
}
/** RLE/bit-packed hybrid, RLE runs only, with the v1 data page's 4-byte length prefix. */
function rleLevels(levels: number[], maxLevel: number): number[] {
  const width = Math.ceil(Math.log2(maxLevel + 1));
  const bytesPerValue = Math.ceil(width / 8);
  const body: number[] = [];
  for (let i = 0; i < levels.length;) {
    let j = i;
    while (j < levels.length && levels[j] === levels[i]) j++;
    body.push(...varintBytes((j - i) << 1));
    for (let k = 0; k < bytesPerValue; k++) body.push((levels[i]! >> (8 * k)) & 0xff);
    i = j;
  }
  return [...u32(body.length), ...body];
}
function plain(type: 'BYTE_ARRAY' | 'INT32', values: (string | number)[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    if (type === 'INT32') out.push(...u32(v as number));
    else {
      const b = new TextEncoder().encode(v as string);
      out.push(...u32(b.length), ...b);
    }
  }
  return out;
}

/** Write `rows` (objects keyed by top-level field name) as a Parquet file. */
export function writeParquet(
  file: string,
  schema: readonly Field[],
  rows: readonly Record<string, unknown>[],
  opts: { rowGroupSize?: number; codec?: Codec } = {},
): void {
  const codec = opts.codec ?? 'UNCOMPRESSED';
  const size = opts.rowGroupSize ?? Math.max(1, rows.length);
  const ls = leaves(schema);
  const bytes: number[] = [...new TextEncoder().encode('PAR1')];
  const groups: {
    chunks: { leaf: Leaf; offset: number; size: number; raw: number; n: number }[];
    rows: number;
  }[] = [];
  for (let g = 0; g < rows.length; g += size) {
    const part = rows.slice(g, g + size);
    const chunks = ls.map((leaf) => {
      const lv: Levels = { rep: [], def: [], values: [] };
      for (const row of part) shred(leaf, 0, row[leaf.path[0]!.name], 0, 0, lv);
      const page = [
        ...(leaf.maxRep > 0 ? rleLevels(lv.rep, leaf.maxRep) : []),
        ...(leaf.maxDef > 0 ? rleLevels(lv.def, leaf.maxDef) : []),
        ...plain(leaf.path[leaf.path.length - 1]!.type!, lv.values),
      ];
      const stored = codec === 'GZIP' ? [...zlib.gzipSync(new Uint8Array(page))] : page;
      const h = new Thrift();
      h.i32(1, 0); // DATA_PAGE
      h.i32(2, page.length);
      h.i32(3, stored.length);
      h.struct(5, () => {
        h.i32(1, lv.rep.length);
        h.i32(2, ENC_PLAIN);
        h.i32(3, ENC_RLE);
        h.i32(4, ENC_RLE);
      });
      h.bytes.push(0);
      const offset = bytes.length;
      bytes.push(...h.bytes, ...stored);
      return {
        leaf,
        offset,
        size: bytes.length - offset,
        raw: h.bytes.length + page.length,
        n: lv.rep.length,
      };
    });
    groups.push({ chunks, rows: part.length });
  }

  const t = new Thrift();
  t.i32(1, 1); // version
  const elements: Field[] = [];
  const walk = (fs: readonly Field[]) =>
    fs.forEach((f) => (elements.push(f), f.children && walk(f.children)));
  walk(schema);
  t.list(2, 12, elements.length + 1);
  t.struct(undefined, () => (t.binary(4, 'schema'), t.i32(5, schema.length)));
  for (const f of elements)
    t.struct(undefined, () => {
      if (f.type) t.i32(1, TYPE[f.type]);
      t.i32(3, REP[f.repetition ?? 'REQUIRED']);
      t.binary(4, f.name);
      if (f.children) t.i32(5, f.children.length);
      if (f.type === 'BYTE_ARRAY') t.i32(6, CONVERTED_UTF8);
      else if (f.list) t.i32(6, CONVERTED_LIST);
    });
  t.i64(3, rows.length);
  t.list(4, 12, groups.length);
  for (const g of groups)
    t.struct(undefined, () => {
      t.list(1, 12, g.chunks.length);
      for (const c of g.chunks)
        t.struct(undefined, () => {
          t.i64(2, c.offset);
          t.struct(3, () => {
            t.i32(1, TYPE[c.leaf.path[c.leaf.path.length - 1]!.type!]);
            t.list(2, 5, 2);
            t.zigzag(ENC_PLAIN);
            t.zigzag(ENC_RLE);
            t.list(3, 8, c.leaf.path.length);
            for (const p of c.leaf.path) t.rawBinary(p.name);
            t.i32(4, CODEC[codec]);
            t.i64(5, c.n);
            t.i64(6, c.raw);
            t.i64(7, c.size);
            t.i64(9, c.offset);
          });
        });
      t.i64(
        2,
        g.chunks.reduce((s, c) => s + c.size, 0),
      );
      t.i64(3, g.rows);
    });
  t.bytes.push(0);
  bytes.push(...t.bytes, ...u32(t.bytes.length), ...new TextEncoder().encode('PAR1'));
  fs.writeFileSync(file, new Uint8Array(bytes));
}
