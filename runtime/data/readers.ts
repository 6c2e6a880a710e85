// Data sources: plain text and JSONL files, streamed line by line (line-reader.ts) so a file
// larger than memory works, with a position (byte offset + line number) that save()/restore()
// carry across a resume.
//
// text(path, { documents }) yields text records:
//   'file' (default)  the whole file is one document, delivered in paragraph-sized pieces
//                     (BOS before the first, EOS after the last when tokenized);
//   'paragraphs'      each blank-line-separated block is a document;
//   'lines'           each non-empty line is a document.
// jsonl(path, { shape }) yields one record per non-blank line; a malformed line is a
// diagnostic `file:line: expected a JSON object with field \`text\``.

import * as fs from 'node:fs';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { DiagnosticError, fileError, type JsonValue } from './result.ts';
import { LineReader } from './line-reader.ts';
import { type DataRecord, type RecordShape, detectShape, toRecord, ANY_SHAPE_MESSAGE } from './records.ts';
import type { Cursor, Source } from './stage.ts';

/** Text pieces are cut at paragraph ends, or at a line end once this many characters gathered. */
const MAX_PIECE = 1 << 16;

function missing(file: string): Diagnostic[] {
  return fs.existsSync(file)
    ? []
    : [fileError('FTL0740', file, 'data file does not exist', 'paths are relative to the recipe folder')];
}

function readLine(r: LineReader, file: string) {
  try {
    return r.next();
  } catch (e) {
    throw new DiagnosticError(
      fileError(
        'FTL0740',
        file,
        `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'check the path',
      ),
    );
  }
}

interface ReaderState {
  offset: number;
  line: number;
  started: boolean;
}

export function text(
  file: string,
  opts: { documents?: 'file' | 'paragraphs' | 'lines' } = {},
): Source<DataRecord> {
  const mode = opts.documents ?? 'file';
  return {
    describe: () => `text(${JSON.stringify(file)}${mode === 'file' ? '' : `, documents: ${mode}`})`,
    problems: () => missing(file),
    open(): Cursor<DataRecord> {
      let r = new LineReader(file);
      let started = false; // a piece of the (single) document was emitted this epoch
      let done = false;
      const next = (): DataRecord | undefined => {
        if (done) return undefined;
        let acc = '';
        for (;;) {
          const l = readLine(r, file);
          if (l === undefined) {
            done = true;
            if (mode !== 'file') return acc.trim() ? doc(acc) : undefined;
            if (!started && acc === '') return undefined; // empty file: no document
            const piece: DataRecord = { kind: 'text', text: acc, start: !started, end: true };
            started = true;
            return piece;
          }
          const raw = l.text + (l.newline ? '\n' : '');
          if (mode === 'lines') {
            const t = l.text.replace(/\r$/, '');
            if (t.trim()) return doc(t);
            continue;
          }
          const blank = l.text.trim() === '';
          if (mode === 'paragraphs') {
            if (!blank) acc += raw;
            else if (acc.trim()) return doc(acc);
            continue;
          }
          acc += raw;
          if ((blank && acc.trim()) || acc.length >= MAX_PIECE) {
            const piece: DataRecord = { kind: 'text', text: acc, start: !started, end: false };
            started = true;
            return piece;
          }
        }
      };
      const doc = (t: string): DataRecord => ({
        kind: 'text',
        text: t.replace(/\r?\n$/, ''),
        start: true,
        end: true,
      });
      return {
        next,
        rewind() {
          r = new LineReader(file);
          started = done = false;
        },
        save: (): JsonValue => ({ offset: r.offset, line: r.line, started, done }),
        restore(s) {
          const st = s as unknown as ReaderState & { done: boolean };
          r = new LineReader(file, st.offset, st.line);
          started = st.started;
          done = st.done;
        },
      };
    },
  };
}

export function jsonl(file: string, opts: { shape?: RecordShape } = {}): Source<DataRecord> {
  return {
    describe: () => `jsonl(${JSON.stringify(file)}${opts.shape ? `, shape: ${opts.shape}` : ''})`,
    problems: () => missing(file),
    open(): Cursor<DataRecord> {
      let r = new LineReader(file);
      let shape = opts.shape;
      return {
        next() {
          for (;;) {
            const l = readLine(r, file);
            if (l === undefined) return undefined;
            const t = (l.line === 1 ? l.text.replace(/^\uFEFF/, '') : l.text).trim();
            if (t === '') continue;
            const bad = (msg: string, hint?: string) =>
              new DiagnosticError(fileError('FTL0741', file, msg, hint, l.line));
            let o: unknown;
            try {
              o = JSON.parse(t);
            } catch (e) {
              throw bad(
                `not valid JSON (${(e as Error).message})`,
                'each line of a .jsonl file must be one JSON object',
              );
            }
            if (!shape) {
              const found =
                typeof o === 'object' && o !== null && !Array.isArray(o)
                  ? detectShape(o as Record<string, unknown>)
                  : undefined;
              if (!found) throw bad(ANY_SHAPE_MESSAGE);
              shape = found;
            }
            const rec = toRecord(o, shape);
            if (typeof rec === 'string')
              throw bad(rec, opts.shape ? undefined : `the first record made this file's shape \`${shape}\``);
            return rec;
          }
        },
        rewind() {
          r = new LineReader(file);
          shape = opts.shape;
        },
        save: (): JsonValue => ({ offset: r.offset, line: r.line, shape: shape ?? null }),
        restore(s) {
          const st = s as { offset: number; line: number; shape: RecordShape | null };
          r = new LineReader(file, st.offset, st.line);
          shape = st.shape ?? opts.shape;
        },
      };
    },
  };
}

/** An in-memory source (tests, generated data, stages that sample): yields `records` in order. */
export function fromRecords(records: readonly DataRecord[], name = 'records'): Source<DataRecord> {
  return {
    describe: () => `${name}(${records.length})`,
    problems: () => [],
    open(): Cursor<DataRecord> {
      let i = 0;
      return {
        next: () => (i < records.length ? records[i++] : undefined),
        rewind: () => void (i = 0),
        save: () => ({ index: i }),
        restore: (s) => void (i = (s as { index: number }).index),
      };
    },
  };
}
