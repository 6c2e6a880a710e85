// Evaluating a `merge` declaration: checkpoint arithmetic over whole models.
//
//   merge compose_sparse(base: string, tuned: [string]) =
//     load(base) + sum(load(t) - load(base) for t in tuned)
//
// A merge body is an expression over checkpoints. It is evaluated once per parameter name
// of the first checkpoint it loads: there `load(path)` stands for that parameter's tensor
// in the checkpoint at `path` (an IR input of its shape), the body is traced with the
// ordinary tensor builtins (`+`, `*`, `abs`, `topk_mask`, `sum(... for ...)`, ...) and the
// result is evaluated on the host by the CPU executor in float32, the precision the
// checkpoints are stored in. Every parameter is therefore merged independently and
// elementwise-or-per-tensor, which is what checkpoint arithmetic is (task vectors, soups,
// sparse-delta composition). A parameter the first checkpoint has must exist with the same
// shape in every other checkpoint the body loads.
//
//   evaluateMerge(program, name, args, { dir, read }) -> Result<Map<name, HostTensor>>
//   mergeFileToFolder(file, name, args, to, { dir }) -> Result<{ files }>   parse `file`,
//       evaluate its merge `name`, write the result as a model folder (model.safetensors)
//
// `load` reads a safetensors file or a model folder (model.safetensors or a sharded
// index), paths relative to `dir`. User errors (no such merge, a bad argument, a missing
// or mis-shaped tensor, an unreadable file) come back as diagnostics.

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as A from '../../grammar/ast.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { mk, type Node } from '../ir/node.ts';
import { evaluateNodes, type TypedArray } from '../../runtime/cpu/index.ts';
import {
  readModelFolder,
  readSafetensors,
  writeModelFolder,
  type HostTensor,
} from '../../runtime/checkpoint/index.ts';
import { fail as fileFail } from '../../runtime/data/result.ts';
import { parse } from '../../grammar/index.ts';
import type { Result } from '../../runtime/data/result.ts';
import { builtins } from '../trace/builtins.ts';
import { TraceCodes, TraceError, fmtShape, toDiagnostic } from '../trace/errors.ts';
import { Interp, bindFormals, err } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';
import { isTensor, list, Scope, typeName, type Value } from '../trace/values.ts';

/** A merge argument from the command line or a test: a string, number, bool or list. */
export type MergeArg = string | number | boolean | readonly (string | number)[];

export interface MergeOptions {
  /** Folder `load` paths are relative to (default: the working directory). */
  readonly dir?: string;
  /** Reads a checkpoint (default: safetensors file or model folder). */
  readonly read?: (path: string) => Result<Record<string, HostTensor>>;
}

/** A safetensors file, or a folder holding model.safetensors (or a sharded index). */
export function readCheckpoint(path: string): Result<Record<string, HostTensor>> {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    // a missing path: readSafetensors reports it with its file span
  }
  const r = dir ? readModelFolder(path) : readSafetensors(path);
  return r.ok ? { ok: true, value: r.value.tensors } : r;
}

const toValue = (v: MergeArg): Value =>
  Array.isArray(v) ? list([...(v as (string | number)[])]) : (v as string | number | boolean);

/** Evaluate merge declaration `name` of `program` with `args` (see the header). */
export function evaluateMerge(
  program: A.Program,
  name: string,
  args: Readonly<Record<string, MergeArg>>,
  opts: MergeOptions = {},
): Result<Map<string, HostTensor>> {
  const decl = program.decls.find((d): d is A.MergeDecl => d.kind === 'MergeDecl' && d.name.name === name);
  if (!decl) {
    const names = program.decls
      .filter((d) => d.kind === 'MergeDecl')
      .map((d) => (d as A.MergeDecl).name.name);
    return fail({
      code: TraceCodes.unknownName,
      severity: 'error',
      message: `no merge named \`${name}\``,
      hint: names.length ? `merges in this file: ${names.join(', ')}` : 'this file declares no merge',
    });
  }
  const read = opts.read ?? readCheckpoint;
  const loaded = new Map<string, Record<string, HostTensor>>(); // path -> tensors
  let names: string[] | undefined; // parameters of the first checkpoint loaded
  let current = ''; // the parameter being merged
  const inputs = new Map<string, TypedArray>();

  const load = (path: Value, span: A.Span): Node => {
    if (typeof path !== 'string')
      return err(TraceCodes.badArgument, `load takes a checkpoint path, got ${typeName(path)}`, span);
    const full = resolve(opts.dir ?? '.', path);
    if (!loaded.has(full)) {
      const r = read(full);
      if (!r.ok) throw new DiagnosticsError(r.diagnostics);
      loaded.set(full, r.value);
    }
    const ck = loaded.get(full)!;
    names ??= Object.keys(ck).filter((k) => ck[k].dtype === 'f32');
    current ||= names[0];
    const t = ck[current];
    if (!t || t.dtype !== 'f32')
      return err(TraceCodes.badArgument, `\`${path}\` has no float tensor \`${current}\``, span);
    const key = `merge:${full}:${current}`;
    inputs.set(key, t.data);
    return mk('input', [], { name: key }, { shape: [...t.shape], dtype: 'f32' });
  };

  const ctx = { training: false, seed: () => T.constant(0, [], 'i32'), nextStream: () => 0 };
  const root = new Scope();
  for (const [k, v] of builtins(ctx)) root.define(k, v);
  root.define('load', { kind: 'builtin', name: 'load', call: (a) => load(a.positional[0], a.span) });
  const it = new Interp();
  const given = new Map(Object.entries(args).map(([k, v]) => [k, toValue(v)]));
  const traceOne = (): Node => {
    const scope = root.child();
    bindFormals(
      decl.params.map((f) => ({ name: f.name.name, default: f.default })),
      { positional: [], named: given, span: decl.span },
      scope,
      it,
      name,
    );
    const v = it.evalBody(decl.body, scope);
    if (!isTensor(v))
      return err(TraceCodes.badArgument, `a merge returns a tensor, got ${typeName(v)}`, decl.span);
    return v;
  };

  try {
    traceOne(); // learns the parameter names from the first checkpoint loaded
    if (!names)
      return fail({
        code: TraceCodes.badArgument,
        severity: 'error',
        message: `merge \`${name}\` loads no checkpoint`,
        span: decl.span,
      });
    const out = new Map<string, HostTensor>();
    for (const n of names) {
      current = n;
      inputs.clear();
      const y = traceOne();
      const want = [...loaded.values()].find((c) => c[n])![n].shape;
      if (fmtShape(y.shape) !== fmtShape(want))
        return fail({
          code: TraceCodes.shapeMismatch,
          severity: 'error',
          message: `merge result for \`${n}\` has shape ${fmtShape(y.shape)}, the checkpoint ${fmtShape(want)}`,
          span: decl.span,
        });
      const [v] = evaluateNodes([T.cast(y, 'f32')], { params: new Map(), inputs });
      out.set(n, { dtype: 'f32', shape: [...y.shape], data: Float32Array.from(v as ArrayLike<number>) });
    }
    return { ok: true, value: out };
  } catch (e) {
    if (e instanceof DiagnosticsError) return { ok: false, diagnostics: e.diagnostics };
    if (e instanceof TraceError) return { ok: false, diagnostics: [toDiagnostic(e, decl.span)] };
    throw e;
  }
}

class DiagnosticsError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('; '));
  }
}

const fail = (d: Diagnostic): Result<never> => ({ ok: false, diagnostics: [d] });

/** Parse `file`, evaluate its merge `name` and write the result to model folder `to`. */
export function mergeFileToFolder(
  file: string,
  name: string,
  args: Readonly<Record<string, MergeArg>>,
  to: string,
  opts: MergeOptions = {},
): Result<{ files: string[] }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fileFail('FTL0701', file, `cannot read: ${(e as Error).message}`);
  }
  const parsed = parse(text, file);
  if (parsed.diagnostics.some((d) => d.severity === 'error'))
    return { ok: false, diagnostics: parsed.diagnostics };
  const r = evaluateMerge(parsed.ast, name, args, opts);
  if (!r.ok) return r;
  return writeModelFolder(to, Object.fromEntries(r.value));
}
