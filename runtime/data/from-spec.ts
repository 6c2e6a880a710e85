// Build a DataLoader from the compiler's data spec: the list of `{ op, args }` stages that a
// recipe's `data = text(...) |> tokenize(...) |> chunks(seq: T) |> shuffle(seed: 0) |> batch(B)`
// evaluates to (compiler/train/data-spec.ts). Paths resolve against the recipe's folder; the
// tokenizer argument is resolved by the caller (it knows the model). Unknown ops and bad
// arguments are diagnostics.
//
//   text(path, documents?)  jsonl(path, shape?)  parquet(path, shape?, columns?)
//   tokenize(tokenizer, eos?, bos?, template?)  chunks(seq)  pad(seq, truncate?)
//   shuffle(seed, buffer?)  take(n)  repeat_each(n)  batch(size)
// tokenize's `template: "model"` is the tokenizer folder's chat_template; any other string is
// the Jinja template itself. parquet's `columns: "text=content"` renames record fields.

import * as path from 'node:path';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { type ChatTemplate, templateFor } from '../tokenizer/chat-template.ts';
import { type Result, ok } from './result.ts';
import type { Source, Stage } from './stage.ts';
import type { RecordShape } from './records.ts';
import { text, jsonl } from './readers.ts';
import { parquet } from './parquet.ts';
import { tokenize } from './tokenize.ts';
import { chunks, pad } from './pack.ts';
import { shuffle } from './shuffle.ts';
import { take } from './take.ts';
import { repeatEach } from './repeat-each.ts';
import { batch } from './batch.ts';
import { pipeline, type DataLoader } from './loader.ts';

export type StageArg = string | number | boolean;
export interface StageSpec {
  readonly op: string;
  readonly args: Readonly<Record<string, StageArg>>;
}

export interface SpecContext {
  /** Folder that relative data paths are relative to (the recipe's). */
  readonly baseDir: string;
  /** Resolve tokenize's argument (e.g. the model's tokenizer) to a tokenizer. */
  readonly tokenizer: (arg: StageArg | undefined) => Result<Tokenizer>;
}

const SHAPES = new Set(['text', 'prompt', 'alpaca', 'chat', 'preference']);
const DOCUMENTS = new Set(['file', 'paragraphs', 'lines']);

export function loaderFromSpec(stages: readonly StageSpec[], ctx: SpecContext): Result<DataLoader> {
  const diagnostics: Diagnostic[] = [];
  const bad = (message: string, hint?: string) =>
    diagnostics.push({ code: 'FTL0742', severity: 'error', message, ...(hint ? { hint } : {}) });
  const num = (s: StageSpec, k: string): number => {
    const v = s.args[k];
    if (typeof v !== 'number')
      bad(`${s.op}: \`${k}\` must be a number, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return Number(v);
  };
  const str = (s: StageSpec, k: string): string | undefined =>
    typeof s.args[k] === 'string' ? (s.args[k] as string) : undefined;

  const [src, ...rest] = stages;
  let source: Source<unknown> | undefined;
  if (!src) bad('the data pipeline is empty');
  else if (src.op === 'text' || src.op === 'jsonl' || src.op === 'parquet') {
    const p = str(src, 'path');
    if (!p) bad(`${src.op}: \`path\` must be a string`);
    const file = path.resolve(ctx.baseDir, p ?? '');
    if (src.op === 'text') {
      const documents = str(src, 'documents') ?? 'file';
      if (!DOCUMENTS.has(documents)) bad(`text: \`documents\` must be one of file, paragraphs, lines`);
      source = text(file, { documents: documents as 'file' });
    } else {
      const shape = str(src, 'shape');
      if (shape !== undefined && !SHAPES.has(shape))
        bad(`${src.op}: \`shape\` must be one of ${[...SHAPES].join(', ')}`);
      const shapeOpt = shape ? { shape: shape as RecordShape } : {};
      if (src.op === 'jsonl') source = jsonl(file, shapeOpt);
      else {
        const columns = parseRenames(str(src, 'columns') ?? '');
        if (typeof columns === 'string') bad(`parquet: ${columns}`, 'write `columns: "text=content"`');
        else source = parquet(file, { ...shapeOpt, ...(Object.keys(columns).length ? { columns } : {}) });
      }
    }
  } else
    bad(
      `\`${src.op}\` is not a text data source`,
      'start the pipeline with text(path), jsonl(path) or parquet(path)',
    );

  let tok: Tokenizer | undefined;
  const built: Stage<unknown, unknown>[] = [];
  for (const s of rest) {
    switch (s.op) {
      case 'tokenize': {
        const r = ctx.tokenizer(s.args.tokenizer);
        if (!r.ok) diagnostics.push(...r.diagnostics);
        else {
          tok = r.value;
          const eos = s.args.eos,
            bos = s.args.bos,
            tpl = s.args.template;
          let template: ChatTemplate | undefined;
          if (tpl !== undefined && typeof tpl !== 'string')
            bad('tokenize: `template` must be "model" or the template text');
          else if (tpl !== undefined) {
            const t = templateFor(tok, tpl);
            if (t.ok) template = t.value;
            else diagnostics.push(...t.diagnostics);
          }
          built.push(
            tokenize(tok, {
              ...(typeof eos === 'boolean' ? { eos } : {}),
              ...(typeof bos === 'boolean' ? { bos } : {}),
              ...(template ? { template } : {}),
            }) as Stage<unknown, unknown>,
          );
        }
        break;
      }
      case 'chunks':
        built.push(chunks({ seq: num(s, 'seq') }) as Stage<unknown, unknown>);
        break;
      case 'pad': {
        const truncate = str(s, 'truncate');
        if (truncate !== undefined && truncate !== 'right' && truncate !== 'drop')
          bad('pad: `truncate` must be "right" or "drop"');
        built.push(
          pad({
            seq: num(s, 'seq'),
            padId: tok?.padId ?? 0,
            ...(truncate ? { truncate: truncate as 'drop' } : {}),
          }) as Stage<unknown, unknown>,
        );
        break;
      }
      case 'shuffle': {
        const buffer = s.args.buffer;
        built.push(
          shuffle({ seed: num(s, 'seed'), ...(buffer !== undefined ? { buffer: Number(buffer) } : {}) }),
        );
        break;
      }
      case 'take':
        built.push(take(num(s, 'n')));
        break;
      case 'repeat_each':
        built.push(repeatEach(num(s, 'n')));
        break;
      case 'batch':
        built.push(batch(num(s, 'size')) as Stage<unknown, unknown>);
        break;
      default:
        bad(
          `unknown data stage \`${s.op}\``,
          'stages: tokenize, chunks, pad, shuffle, take, repeat_each, batch',
        );
    }
  }
  if (diagnostics.length || !source) return { ok: false, diagnostics };
  const r = pipeline(source, ...built);
  return r.ok ? ok(r.value) : r;
}

/** `columns: "text=content, messages=conversations"` -> { text: 'content', messages: 'conversations' }. */
function parseRenames(spec: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\w+)\s*=\s*(.+)$/.exec(part);
    if (!m) return `\`columns\` entry \`${part}\` is not \`field=column\``;
    out[m[1]!] = m[2]!.trim();
  }
  return out;
}
