// parquet(path, { shape?, columns? }): records from a Parquet file, streamed row group by row
// group (parquet-file.ts), in the same record shapes as jsonl() (records.ts). The position that
// save()/restore() carry is (row group, row within it); a restore re-reads only that row group.
//
//   shape    which record shape the rows are; by default detected from the file's column names
//            (messages -> chat, chosen+rejected -> preference, instruction+output -> alpaca,
//            prompt+completion -> prompt, text -> text);
//   columns  renames, record field -> column name, for files whose columns are named otherwise:
//            { text: 'content' } or { messages: 'conversations' }.
// Only the columns the shape needs are read. A chat `messages` column may be a list of
// {role, content} structs (as 🤗 datasets writes it) or a JSON string. Null cells count as
// missing (so a null alpaca `input` is ""). A malformed file or row is a diagnostic naming the
// file (and the row: "data/x.parquet: row 17: expected ... `text`"), never a crash.

import * as fs from 'node:fs';
import { DiagnosticError, fileError, type JsonValue } from './result.ts';
import { type DataRecord, type RecordShape, detectShape, toRecord } from './records.ts';
import { ParquetFile } from './parquet-file.ts';
import type { Cursor, Source } from './stage.ts';

/** The fields each shape reads; the optional ones may be absent from the file. */
const SHAPE_FIELDS: Record<RecordShape, { required: string[]; optional: string[] }> = {
  text: { required: ['text'], optional: [] },
  prompt: { required: ['prompt', 'completion'], optional: [] },
  alpaca: { required: ['instruction', 'output'], optional: ['input'] },
  chat: { required: ['messages'], optional: [] },
  preference: { required: ['chosen', 'rejected'], optional: ['prompt'] },
};

export interface ParquetOptions {
  readonly shape?: RecordShape;
  /** Record field -> column name. */
  readonly columns?: Readonly<Record<string, string>>;
}

interface ParquetState {
  group: number;
  row: number;
}

export function parquet(file: string, opts: ParquetOptions = {}): Source<DataRecord> {
  const renames = opts.columns ?? {};
  const column = (field: string) => renames[field] ?? field;
  const renameText = Object.entries(renames)
    .map(([f, c]) => `${f}=${c}`)
    .join(',');
  const unreadable = (message: string, hint?: string) =>
    new DiagnosticError(fileError('FTL0740', file, message, hint));

  /** Open the file and settle the shape and the columns to read (once per cursor). */
  const prepare = () => {
    let pf: ParquetFile;
    try {
      pf = ParquetFile.open(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw unreadable(
        code ? `cannot read: ${code}` : `malformed Parquet file: ${(e as Error).message}`,
        code ? 'check the path' : 'the file may be truncated or not Parquet; re-export it',
      );
    }
    const present = new Set(pf.columns());
    // Detect on the renamed view: a field counts as present when its column is.
    const view: Record<string, true> = {};
    for (const f of [
      'text',
      'prompt',
      'completion',
      'instruction',
      'output',
      'messages',
      'chosen',
      'rejected',
    ])
      if (present.has(column(f))) view[f] = true;
    const shape = opts.shape ?? detectShape(view);
    const has = `the file has columns: ${[...present].join(', ') || '(none)'}`;
    if (!shape)
      throw new DiagnosticError(
        fileError(
          'FTL0741',
          file,
          `no column set matches a record shape (text; prompt + completion; instruction + output; messages; chosen + rejected); ${has}`,
          'name the columns with `columns: "text=<column>"` or pick a `shape:`',
        ),
      );
    const { required, optional } = SHAPE_FIELDS[shape];
    const missing = required.filter((f) => !present.has(column(f)));
    if (missing.length)
      throw new DiagnosticError(
        fileError(
          'FTL0741',
          file,
          `shape \`${shape}\` needs column${missing.length > 1 ? 's' : ''} ${missing.map((f) => `\`${column(f)}\``).join(', ')}; ${has}`,
          'rename with `columns: "field=column"`',
        ),
      );
    const fields = [...required, ...optional.filter((f) => present.has(column(f)))];
    return { pf, shape, fields };
  };

  return {
    describe: () =>
      `parquet(${JSON.stringify(file)}${opts.shape ? `, shape: ${opts.shape}` : ''}${renameText ? `, columns: ${renameText}` : ''})`,
    problems: () =>
      fs.existsSync(file)
        ? []
        : [fileError('FTL0740', file, 'data file does not exist', 'paths are relative to the recipe folder')],
    open(): Cursor<DataRecord> {
      let ctx: ReturnType<typeof prepare> | undefined;
      let group = 0,
        row = 0;
      /** Rows of `group`, decoded; undefined until needed (after open, rewind or restore). */
      let rows: Record<string, unknown>[] | undefined;
      /** Absolute index of the first row of `group`, for messages. */
      let groupStart = 0;

      const load = (c: NonNullable<typeof ctx>) => {
        try {
          rows = c.pf.readRowGroup(
            group,
            c.fields.map((f) => column(f)),
          );
        } catch (e) {
          if (e instanceof DiagnosticError) throw e;
          throw unreadable(
            `malformed Parquet data in row group ${group}: ${(e as Error).message}`,
            'the file may be corrupt or truncated; re-export it',
          );
        }
      };
      const convert = (c: NonNullable<typeof ctx>, r: Record<string, unknown>, index: number): DataRecord => {
        const o: Record<string, unknown> = {};
        for (const f of c.fields) {
          let v = r[column(f)];
          if (v === null) v = undefined;
          if (f === 'messages' && typeof v === 'string') {
            try {
              v = JSON.parse(v);
            } catch {
              /* left as a string: toRecord reports it */
            }
          }
          if (v !== undefined) o[f] = v;
        }
        const rec = toRecord(o, c.shape);
        if (typeof rec === 'string')
          throw new DiagnosticError(
            fileError(
              'FTL0741',
              file,
              `row ${index + 1}: ${rec.replace('a JSON object', 'a row')}`,
              opts.shape ? undefined : `the file's columns made its shape \`${c.shape}\``,
            ),
          );
        return rec;
      };

      return {
        next() {
          ctx ??= prepare();
          for (;;) {
            if (group >= ctx.pf.rowGroups) return undefined;
            if (!rows) load(ctx);
            if (row < rows!.length) return convert(ctx, rows![row]!, groupStart + row++);
            groupStart += rows!.length;
            group++;
            row = 0;
            rows = undefined;
          }
        },
        rewind() {
          group = row = groupStart = 0;
          rows = undefined;
        },
        save: (): JsonValue => ({ group, row }),
        restore(s) {
          const st = s as unknown as ParquetState;
          ctx ??= prepare();
          group = st.group;
          row = st.row;
          rows = undefined;
          groupStart = 0;
          for (let g = 0; g < Math.min(group, ctx.pf.rowGroups); g++) groupStart += ctx.pf.rowsIn(g);
        },
      };
    },
  };
}
