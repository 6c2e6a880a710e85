// Hugging Face model folders: one `model.safetensors`, or shards listed in
// `model.safetensors.index.json` = { "metadata": { "total_size": bytes }, "weight_map": { tensor name: shard file } }.
// Reading checks the index against the shards (every listed tensor present, no shard missing);
// writing splits tensors into shards of at most `maxShardBytes` (a tensor larger than that gets
// a shard of its own) and writes the index last, so readers never see an index without shards.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Result, ok, fail } from '../data/result.ts';
import type { HostTensor } from './tensor.ts';
import {
  readSafetensors,
  writeSafetensors,
  openSafetensors,
  type SafetensorsContents,
  type WriteOptions,
} from './safetensors.ts';
import { writeTextAtomic } from './atomic.ts';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';
const BAD_INDEX = 'FTL0707';

/** Read every tensor of a model folder (single file or sharded). */
export function readModelFolder(dir: string): Result<SafetensorsContents> {
  const single = path.join(dir, SINGLE_FILE);
  if (fs.existsSync(single)) return readSafetensors(single);
  const index = path.join(dir, INDEX_FILE);
  if (!fs.existsSync(index))
    return fail(
      'FTL0701',
      dir,
      `no ${SINGLE_FILE} or ${INDEX_FILE} in this folder`,
      'point at a Hugging Face model folder',
    );
  const map = readIndex(index);
  if (!map.ok) return map;
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(map.value))
    byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
  const tensors: Record<string, HostTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [shard, names] of byShard) {
    const file = path.join(dir, shard);
    if (!fs.existsSync(file))
      return fail(
        BAD_INDEX,
        index,
        `shard \`${shard}\` listed in the index is missing`,
        'the download is incomplete',
      );
    const h = openSafetensors(file);
    if (!h.ok) return h;
    const present = new Set(h.value.entries.map((e) => e.name));
    const absent = names.find((n) => !present.has(n));
    if (absent)
      return fail(
        BAD_INDEX,
        index,
        `tensor \`${absent}\` is mapped to \`${shard}\` but that shard does not contain it`,
      );
    const r = readSafetensors(file, names);
    if (!r.ok) return r;
    Object.assign(tensors, r.value.tensors);
    metadata = { ...metadata, ...r.value.metadata };
  }
  return ok({ metadata, tensors });
}

/** Parse an index file into its weight map (tensor name -> shard file name). */
export function readIndex(index: string): Result<Record<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(index, 'utf8'));
  } catch (e) {
    return fail(BAD_INDEX, index, `cannot read the shard index: ${(e as Error).message}`);
  }
  const wm = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm))
    return fail(BAD_INDEX, index, '`weight_map` must be an object of tensor name -> shard file');
  for (const [name, shard] of Object.entries(wm)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.'))
      return fail(BAD_INDEX, index, `tensor \`${name}\`: shard must be a plain file name in the same folder`);
  }
  return ok(wm as Record<string, string>);
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };

/** Write a model folder. One shard → `model.safetensors` only; more → numbered shards + index. */
export function writeModelFolder(
  dir: string,
  tensors: Readonly<Record<string, HostTensor>>,
  opts: WriteOptions & { readonly maxShardBytes?: number } = {},
): Result<{ files: string[] }> {
  const max = opts.maxShardBytes ?? 5e9;
  // transformers refuses a safetensors file whose metadata names another framework; say "pt".
  opts = { ...opts, metadata: { format: 'pt', ...opts.metadata } };
  const sizeOf = (name: string, t: HostTensor): number =>
    t.data.length * BYTES[opts.dtypes?.[name] ?? (t.dtype === 'i32' ? 'I32' : (opts.floatDtype ?? 'F32'))]!;
  const shards: string[][] = [[]];
  let cur = 0,
    total = 0;
  for (const name of Object.keys(tensors).sort()) {
    const sz = sizeOf(name, tensors[name]!);
    total += sz;
    if (cur > 0 && cur + sz > max) {
      shards.push([]);
      cur = 0;
    }
    shards[shards.length - 1]!.push(name);
    cur += sz;
  }
  const subset = (names: string[]) => Object.fromEntries(names.map((n) => [n, tensors[n]!]));
  if (shards.length === 1) {
    const r = writeSafetensors(path.join(dir, SINGLE_FILE), tensors, opts);
    return r.ok ? ok({ files: [SINGLE_FILE] }) : r;
  }
  const pad = (i: number) => String(i).padStart(5, '0');
  const files = shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`);
  const weightMap: Record<string, string> = {};
  for (let i = 0; i < shards.length; i++) {
    const r = writeSafetensors(path.join(dir, files[i]!), subset(shards[i]!), opts);
    if (!r.ok) return r;
    for (const n of shards[i]!) weightMap[n] = files[i]!;
  }
  try {
    writeTextAtomic(
      path.join(dir, INDEX_FILE),
      JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + '\n',
    );
  } catch (e) {
    return fail('FTL0708', path.join(dir, INDEX_FILE), `cannot write: ${(e as Error).message}`);
  }
  return ok({ files: [...files, INDEX_FILE] });
}
