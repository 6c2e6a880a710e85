// Synchronous Parquet reading, one row group at a time, for the streaming data source
// (parquet.ts). hyparquet's public readers are promise-based, but the data pipeline's cursors
// are synchronous, so this file drives hyparquet's own synchronous decoders directly:
//   footer      parquetMetadata on the file's last bytes (read with fs.readSync);
//   row group   per selected column chunk: read its byte range, decode it with readColumn
//               (pages, dictionaries, levels, snappy), then assembleNested for list/struct
//               columns, then transpose to row objects.
// Only one row group's selected columns are in memory at once, so a file larger than memory
// works as long as a row group fits. Malformed files throw ordinary Errors; the source turns
// them into diagnostics that name the file.
//
// GZIP and BROTLI column chunks are decompressed with node:zlib; ZSTD/LZ4 are refused up front.

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { parquetMetadata, parquetSchema, flatten } from 'hyparquet';
import type { FileMetaData, SchemaTree, Compressors, DecodedArray } from 'hyparquet';
import { readColumn } from 'hyparquet/src/column.js';
import { assembleNested } from 'hyparquet/src/assemble.js';
import { getTreePath } from 'hyparquet/src/schema.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';

type ColumnDecoder = Parameters<typeof readColumn>[2];

const MAGIC = 0x31524150; // "PAR1" little-endian

const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(zlib.gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(zlib.brotliDecompressSync(input)),
};
const READABLE_CODECS = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI']);

function readBytes(file: string, start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const fd = fs.openSync(file, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, out, got, length - got, start + got);
      if (n === 0) throw new Error(`unexpected end of file at byte ${start + got}`);
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

export class ParquetFile {
  private constructor(
    readonly file: string,
    readonly size: number,
    readonly metadata: FileMetaData,
    readonly schema: SchemaTree,
  ) {}

  /** Read and check the footer. Throws an Error with a readable message on a malformed file. */
  static open(file: string): ParquetFile {
    const size = fs.statSync(file).size;
    if (size < 12) throw new Error(`too short to be a Parquet file (${size} bytes)`);
    const tail = readBytes(file, size - 8, 8);
    const view = new DataView(tail.buffer);
    const head = new DataView(readBytes(file, 0, 4).buffer);
    if (view.getUint32(4, true) !== MAGIC || head.getUint32(0, true) !== MAGIC)
      throw new Error('not a Parquet file (no PAR1 magic at its start and end)');
    const metaLength = view.getUint32(0, true);
    if (metaLength + 12 > size) throw new Error(`footer length ${metaLength} exceeds the file size ${size}`);
    const metadata = parquetMetadata(readBytes(file, size - 8 - metaLength, metaLength + 8));
    const schema = parquetSchema(metadata);
    for (const rg of metadata.row_groups)
      for (const c of rg.columns) {
        const meta = c.meta_data;
        if (!meta) throw new Error('a column chunk without metadata');
        if (c.file_path) throw new Error(`column data in another file (${c.file_path}) is not supported`);
        if (!READABLE_CODECS.has(meta.codec))
          throw new Error(
            `column \`${meta.path_in_schema.join('.')}\` is ${meta.codec}-compressed; ftl reads uncompressed, SNAPPY, GZIP and BROTLI Parquet`,
          );
      }
    return new ParquetFile(file, size, metadata, schema);
  }

  /** Top-level column names, in file order. */
  columns(): string[] {
    return this.schema.children.map((c) => c.element.name);
  }

  get rowGroups(): number {
    return this.metadata.row_groups.length;
  }

  rowsIn(group: number): number {
    return Number(this.metadata.row_groups[group]!.num_rows);
  }

  /** Rows of row group `group`, as objects holding only the top-level `columns` asked for. */
  readRowGroup(group: number, columns: readonly string[]): Record<string, unknown>[] {
    const rg = this.metadata.row_groups[group]!;
    const groupRows = Number(rg.num_rows);
    const wanted = new Set(columns);
    const select = { groupStart: 0, selectStart: 0, selectEnd: groupRows, groupRows };
    // Decoded leaf columns by dotted path, e.g. "messages.list.element.role".
    const leaves = new Map<string, DecodedArray>();
    for (const chunk of rg.columns) {
      const meta = chunk.meta_data!;
      const pathInSchema = meta.path_in_schema;
      if (!wanted.has(pathInSchema[0]!)) continue;
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
      const length = Number(meta.total_compressed_size);
      // An empty chunk (no values written) may point at offset 0; it decodes to no values.
      if ((length > 0 && start < 4) || start + length > this.size)
        throw new Error(`column \`${pathInSchema.join('.')}\` points outside the file`);
      const bytes = readBytes(this.file, start, length);
      const schemaPath = getTreePath(this.schema, pathInSchema);
      const decoder: ColumnDecoder = {
        pathInSchema,
        element: schemaPath[schemaPath.length - 1]!.element,
        schemaPath,
        type: meta.type,
        codec: meta.codec,
        parsers: DEFAULT_PARSERS,
        compressors: COMPRESSORS,
        utf8: true,
      };
      const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
      leaves.set(pathInSchema.join('.'), flatten(readColumn(reader, select, decoder).data));
    }

    const values = new Map<string, DecodedArray>();
    for (const child of this.schema.children) {
      const name = child.element.name;
      if (!wanted.has(name)) continue;
      if (child.children.length === 0) {
        const v = leaves.get(name);
        if (v) values.set(name, v);
        continue;
      }
      // Nested column: hand assembleNested just this column's leaves; it leaves the whole column under `name`.
      const sub = new Map([...leaves].filter(([k]) => k.split('.')[0] === name));
      assembleNested(sub, child, DEFAULT_PARSERS);
      const v = sub.get(name);
      if (v) values.set(name, v);
    }
    // Fewer values than rows leaves the last cells missing (as hyparquet reads them); more is corrupt.
    for (const [name, v] of values)
      if (v.length > groupRows)
        throw new Error(`column \`${name}\` has ${v.length} values in a row group of ${groupRows} rows`);

    const rows: Record<string, unknown>[] = new Array(groupRows);
    for (let i = 0; i < groupRows; i++) {
      const row: Record<string, unknown> = {};
      for (const [name, v] of values) row[name] = v[i];
      rows[i] = row;
    }
    return rows;
  }
}
