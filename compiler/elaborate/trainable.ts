// The trainable set: `freeze PATTERN`, `unfreeze PATTERN [rows(a .. b)]`.
//
// A pattern selects a parameter when it matches the parameter's name or the path of any
// module containing it (`blocks.*.attn` selects every tensor of those attention modules).
// Every parameter starts trainable; methods run in order, the last word wins.
// `rows(a .. b)` restricts the trainable part to rows [a, b) of axis 0: integers are row
// indices (negatives count from the end), fractions of 1 (`0 .. 0.25`) are ratios of the
// parameter's rows. 1-D parameters (biases) ignore a row range and train whole.

import { TraceCodes, TraceError } from '../trace/errors.ts';
import type { Span } from '../diagnostics/span.ts';
import { compilePattern, suggestFor } from './pattern.ts';
import { normalizeIndices } from '../features/mask-leaves.ts';
import { allModules, allParams, type ModuleInst, type ParamSpec } from './tree.ts';

export interface RangeSpec {
  readonly start: number;
  readonly end: number;
  /** Bounds are ratios of the axis length (0..1) rather than indices. */
  readonly ratio: boolean;
  readonly axis?: number;
}

/** Parameters selected by `pattern` under `scope` (pattern is relative to scope's path). */
export function selectParams(root: ModuleInst, pattern: string, scope = ''): ParamSpec[] {
  const test = compilePattern(pattern);
  const rel = (name: string) =>
    scope === '' ? name : name.startsWith(scope + '.') ? name.slice(scope.length + 1) : null;
  return allParams(root).filter((p) => {
    const r = rel(p.name);
    if (r === null) return false;
    const segs = r.split('.');
    for (let k = segs.length; k >= 1; k--) if (test(segs.slice(0, k).join('.'))) return true;
    return false;
  });
}

/** Modules whose path (relative to scope) matches `pattern`. */
export function selectModules(root: ModuleInst, pattern: string, scope = ''): ModuleInst[] {
  const test = compilePattern(pattern);
  return allModules(root).filter((m) => {
    if (m.path === scope) return false;
    if (scope !== '' && !m.path.startsWith(scope + '.')) return false;
    return test(scope === '' ? m.path : m.path.slice(scope.length + 1));
  });
}

/** Paths a pattern could have meant, for the "did you mean" hint. */
export function candidatePaths(root: ModuleInst, scope = ''): string[] {
  const strip = (p: string) =>
    scope === '' ? p : p.startsWith(scope + '.') ? p.slice(scope.length + 1) : null;
  const all = [...allModules(root).map((m) => m.path), ...allParams(root).map((p) => p.name)];
  return all.map(strip).filter((p): p is string => p !== null && p !== '');
}

export function noMatch(root: ModuleInst, pattern: string, scope: string, span?: Span): TraceError {
  return new TraceError(
    TraceCodes.patternNoMatch,
    `pattern \`${pattern}\` matches no ${scope ? `tensor under \`${scope}\`` : 'parameter'}`,
    span,
    suggestFor(pattern, candidatePaths(root, scope)),
  );
}

function resolveRange(p: ParamSpec, r: RangeSpec): ParamSpec['rows'] {
  const axis = r.axis ?? 0;
  if (p.shape.length < 2) return undefined;
  const d = p.shape[axis];
  let s: number;
  let e: number;
  if (r.ratio) {
    s = Math.floor(r.start * d);
    e = Math.max(Math.round(r.end * d), s + 1);
  } else {
    s = r.start < 0 ? r.start + d : r.start;
    e = r.end < 0 ? r.end + d : r.end;
  }
  s = Math.max(0, Math.min(d, s));
  e = Math.max(s, Math.min(d, e));
  return { axis, start: s, end: e };
}

/** Set the trainable flag of every selected parameter; errors when nothing matches. */
export function setTrainable(
  root: ModuleInst,
  pattern: string,
  trainable: boolean,
  opts: { scope?: string; range?: RangeSpec; mask?: readonly number[]; span?: Span } = {},
): void {
  const scope = opts.scope ?? '';
  const ps = pattern.trim() === 'all' && scope === '' ? allParams(root) : selectParams(root, pattern, scope);
  if (ps.length === 0) throw noMatch(root, pattern, scope, opts.span);
  for (const p of ps) {
    p.trainable = trainable;
    p.rows = trainable && opts.range ? resolveRange(p, opts.range) : undefined;
    p.mask = undefined;
    if (trainable && opts.mask) {
      const idx = normalizeIndices(
        opts.mask,
        p.shape.reduce((a, b) => a * b, 1),
      );
      if (typeof idx === 'string')
        throw new TraceError(TraceCodes.badArgument, `\`mask(...)\` on \`${p.name}\`: ${idx}`, opts.span);
      p.mask = idx;
    }
  }
}
