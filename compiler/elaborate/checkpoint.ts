// `model.load("dir")`: a stdlib model configured from a Hugging Face folder's config.json
// and initialised from its safetensors weights (hf-layouts.ts says where each tensor is).
//
//   loadSpec(decl, dir)        -> AppliedV with the config args and `checkpoint: dir`
//   bindCheckpoint(tree, ...)  -> every parameter's init becomes the checkpoint's tensor
// Paths are relative to the recipe's folder. Problems (no folder, missing tensor, shape
// mismatch) are TraceErrors with the `load` call's span.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readModelFolder } from '../../runtime/checkpoint/sharded.ts';
import type { HostTensor } from '../../runtime/checkpoint/tensor.ts';
import type { Span } from '../diagnostics/span.ts';
import { TraceCodes, TraceError } from '../trace/errors.ts';
import type { AppliedV, DeclV, Value } from '../trace/values.ts';
import { layoutFor, layoutNames, type HfLayout, type Source } from './hf-layouts.ts';
import { allParams, type ModelTree } from './tree.ts';

const codes = { noCheckpoint: 'FTL0410', missingTensor: 'FTL0411', shapeMismatch: 'FTL0412' };

function readConfig(dir: string, span: Span): Record<string, unknown> {
  const file = join(dir, 'config.json');
  if (!existsSync(file))
    throw new TraceError(
      codes.noCheckpoint,
      `no config.json in \`${dir}\``,
      span,
      'point `load` at a Hugging Face model folder (config.json + model.safetensors)',
    );
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new TraceError(codes.noCheckpoint, `cannot read ${file}: ${(e as Error).message}`, span);
  }
}

function layoutOf(decl: DeclV, cfg: Record<string, unknown>, span: Span): HfLayout {
  const l = layoutFor(decl.decl.name.name, typeof cfg.model_type === 'string' ? cfg.model_type : undefined);
  if (!l)
    throw new TraceError(
      TraceCodes.unsupported,
      `model \`${decl.decl.name.name}\` has no Hugging Face layout to load`,
      span,
      `models with a layout: ${layoutNames().join(', ')}`,
    );
  return l;
}

/** `gpt2.load(dir)`: the model's config from config.json, remembered with the folder. */
export function loadSpec(
  decl: DeclV,
  path: string,
  baseDir: string,
  span: Span,
  overrides: Map<string, Value>,
): AppliedV {
  const dir = resolve(baseDir, path);
  const cfg = readConfig(dir, span);
  const layout = layoutOf(decl, cfg, span);
  const args = new Map<string, Value>();
  const formals = new Set(decl.decl.params.map((p) => p.name.name));
  for (const [ours, keys] of Object.entries(layout.config)) {
    if (!formals.has(ours)) continue;
    const k = keys.find((key) => typeof cfg[key] === 'number');
    if (k) args.set(ours, cfg[k] as number);
  }
  for (const [k, v] of Object.entries(layout.fixed ?? {})) if (formals.has(k)) args.set(k, v);
  for (const [k, v] of overrides) args.set(k, v);
  return { kind: 'applied', decl, args, checkpoint: dir };
}

function pick(t: HostTensor, src: Source): { shape: number[]; data: Float32Array } {
  let shape = [...t.shape];
  let data = Float32Array.from(t.data);
  if (src.cols) {
    const [a, b] = src.cols;
    const last = shape[shape.length - 1];
    const rows = data.length / last;
    const out = new Float32Array(rows * (b - a));
    for (let r = 0; r < rows; r++) out.set(data.subarray(r * last + a, r * last + b), r * (b - a));
    data = out;
    shape = [...shape.slice(0, -1), b - a];
  }
  if (src.transpose && shape.length === 2) {
    const [R, C] = shape;
    const out = new Float32Array(R * C);
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = data[r * C + c];
    data = out;
    shape = [C, R];
  }
  return { shape, data };
}

/** Set every parameter of `tree` to its tensor in the checkpoint folder `dir`. */
export function bindCheckpoint(tree: ModelTree, decl: DeclV, dir: string, span: Span): void {
  const layout = layoutOf(decl, readConfig(dir, span), span);
  const folder = readModelFolder(dir);
  if (!folder.ok) {
    const d = folder.diagnostics[0];
    throw new TraceError(
      d?.code ?? codes.noCheckpoint,
      d?.message ?? `cannot read the weights in ${dir}`,
      span,
      d?.hint,
    );
  }
  const tensors = folder.value.tensors;
  const find = (key: string) => layout.prefixes.map((p) => p + key).find((k) => k in tensors);
  const cfg = tree.root.config;
  for (const p of allParams(tree.root)) {
    const src = layout.source(p.name, cfg);
    const key = src && [src.key, ...(src.fallback ?? [])].map(find).find((k) => k !== undefined);
    if (!src || !key) {
      const near = Object.keys(tensors)
        .filter((k) => k.endsWith(p.name.split('.').slice(-2).join('.')))
        .slice(0, 3);
      throw new TraceError(
        codes.missingTensor,
        `the checkpoint in ${dir} has no tensor for \`${p.name}\`${src ? ` (looked for \`${src.key}\`)` : ''}`,
        span,
        near.length ? `tensors with a similar name: ${near.join(', ')}` : undefined,
      );
    }
    const t = tensors[key];
    if (t.dtype !== 'f32')
      throw new TraceError(
        codes.shapeMismatch,
        `checkpoint tensor \`${key}\` is ${t.dtype}, \`${p.name}\` is f32`,
        span,
      );
    const { shape, data } = pick(t, { ...src, key });
    if (shape.join() !== p.shape.join())
      throw new TraceError(
        codes.shapeMismatch,
        `checkpoint tensor \`${key}\` gives shape [${shape}] for \`${p.name}\`, which is [${p.shape}]`,
        span,
        'does config.json match the weights?',
      );
    p.init = { kind: 'data', data, source: `${dir}:${key}` };
  }
}
