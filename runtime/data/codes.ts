// Diagnostic codes of the runtime's file-facing code (checkpoints, tokenizers, data), as
// catalogue entries in the shape of compiler/diagnostics/catalogue.ts, so that table can
// include them with one spread (`...runtimeCatalogue`) and `ftl explain FTL0741` works.

import type { CatalogueEntry } from '../../compiler/diagnostics/catalogue.ts';

export const runtimeCatalogue: readonly CatalogueEntry[] = [
  // ─── FTL070x checkpoints ───
  {
    code: 'FTL0701',
    name: 'checkpoint-unreadable',
    severity: 'error',
    summary: 'a checkpoint file or folder cannot be opened or read',
  },
  {
    code: 'FTL0702',
    name: 'checkpoint-truncated',
    severity: 'error',
    summary: 'a safetensors file ends before its header or data does',
    hint: 'the file is incomplete; re-download or re-save it',
  },
  {
    code: 'FTL0703',
    name: 'checkpoint-bad-header',
    severity: 'error',
    summary: 'a safetensors header that is too long, not JSON, or malformed',
  },
  {
    code: 'FTL0704',
    name: 'checkpoint-bad-offsets',
    severity: 'error',
    summary: 'tensor data offsets out of range, overlapping, or not matching the shape',
  },
  {
    code: 'FTL0705',
    name: 'checkpoint-unknown-dtype',
    severity: 'error',
    summary: 'a tensor dtype ftl does not read (it reads F32, F16, BF16, I32, I64)',
  },
  {
    code: 'FTL0706',
    name: 'checkpoint-int-range',
    severity: 'error',
    summary: 'an I64 value that does not fit in i32',
  },
  {
    code: 'FTL0707',
    name: 'checkpoint-bad-index',
    severity: 'error',
    summary: 'a sharded checkpoint index that disagrees with its shards',
  },
  {
    code: 'FTL0708',
    name: 'checkpoint-write-failed',
    severity: 'error',
    summary: 'a checkpoint could not be written (the previous one is intact)',
  },
  {
    code: 'FTL0709',
    name: 'checkpoint-bad-state',
    severity: 'error',
    summary: 'a training checkpoint or adapter folder that is missing or malformed',
  },
  {
    code: 'FTL0710',
    name: 'checkpoint-resume-mismatch',
    severity: 'error',
    summary: 'a run folder to resume from that is not an ftl run, or was written by a different recipe',
    hint: 'resume with the recipe (and methods) that wrote the checkpoint, or start a new run',
  },
  // ─── FTL072x tokenizers ───
  {
    code: 'FTL0720',
    name: 'tokenizer-unreadable',
    severity: 'error',
    summary: 'a tokenizer file that cannot be read or is not JSON',
  },
  {
    code: 'FTL0721',
    name: 'tokenizer-unsupported',
    severity: 'error',
    summary: 'a tokenizer model or component ftl does not implement',
  },
  {
    code: 'FTL0722',
    name: 'chat-template-invalid',
    severity: 'error',
    summary: 'a chat template that does not parse, or `template: "model"` for a tokenizer without one',
  },
  // ─── FTL074x data ───
  {
    code: 'FTL0740',
    name: 'data-unreadable',
    severity: 'error',
    summary: 'a data file that does not exist or cannot be read',
  },
  {
    code: 'FTL0741',
    name: 'data-malformed-record',
    severity: 'error',
    summary: 'a data record (JSONL line, Parquet row) of the wrong shape or not JSON',
  },
  {
    code: 'FTL0742',
    name: 'data-bad-pipeline',
    severity: 'error',
    summary: 'a data stage with a bad option, in the wrong order, or a pipeline without batch(n)',
  },
  {
    code: 'FTL0743',
    name: 'data-empty',
    severity: 'error',
    summary: 'a data pipeline that yields no batch in a whole epoch',
    hint: 'use a smaller batch or seq, or more data',
  },
  {
    code: 'FTL0744',
    name: 'data-chat-template-failed',
    severity: 'error',
    summary: 'a chat template that raised an error on a record, or whose assistant turns cannot be located',
  },
];
