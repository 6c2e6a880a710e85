// The elaborated model: a tree of module instances with dotted parameter names.
//
// `elaborate` builds it from `model`/`module` declarations and their config; methods then
// edit it in place, in order: trainable flags and row ranges (`freeze`, `unfreeze ... rows`),
// new parameters on matched modules (`param m.x`), forward wrappers (`wrap`) and merge rules.
// The tracer reads it to stage `forward`; `paramLeaves` turns it into the IR's parameter
// leaves (a parameter with a trainable row range becomes two leaves joined by `concat`).

import type { Node } from '../ir/node.ts';
import type { DType, Shape } from '../ir/ops.ts';
import type { Scope } from '../trace/values.ts';
import { maskLeaves } from '../features/mask-leaves.ts';

/** How a parameter's initial value is drawn (on the host, see init.ts). */
export type InitSpec =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'const'; value: number }
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'uniform'; low: number; high: number }
  /** PyTorch's kaiming_uniform_(a) on a [fan_out, fan_in, ...] tensor: bound = sqrt(6 / ((1 + a^2) fan_in)). */
  | { kind: 'kaiming_uniform'; a: number }
  /** Values read from a checkpoint (`model.load`); `source` is `dir:tensor` for messages. */
  | { kind: 'data'; data: Float32Array; source: string }
  /**
   * A tensor expression over other parameters' initial values (`init norm(m.weight, axis: 1)`,
   * DoRA's magnitude), staged as IR and evaluated on the host after the plain inits.
   */
  | { kind: 'expr'; node: Node };

/** Trainable part of a parameter along one axis: [start, end) (end exclusive). */
export interface RowRange {
  readonly axis: number;
  readonly start: number;
  readonly end: number;
}

export interface ParamSpec {
  /** Full dotted name, e.g. `blocks.3.attn.q.weight`. */
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  init: InitSpec;
  trainable: boolean;
  /** When set (and trainable), only this slice trains; the rest stays frozen. */
  rows?: RowRange;
  /**
   * When set (and trainable), only these flat (row-major) entries train: the parameter is a
   * frozen base plus a scatter of a trainable [k] delta (compiler/features/mask-leaves.ts).
   */
  mask?: Int32Array;
  /** True for parameters a method added (LoRA A/B): adapter-only checkpoints save these. */
  added?: boolean;
  /** Name whose init stream this parameter draws from (a reference copy uses the original's). */
  stream?: string;
  /** Part of a frozen reference copy (`reference(model)`): never trained, never exported. */
  reference?: boolean;
}

/** A forward wrapper added by `wrap m(x) = base(x) + ...`; `body` is traced with `base` bound. */
export interface Wrapper {
  readonly params: readonly string[];
  /** AST expression (typed by grammar/ast.ts; opaque here). */
  readonly body: unknown;
  /** The method's scope (alpha, r, the loop variable `m`, ...). */
  readonly scope: Scope;
}

/** `merge m.weight += expr` kept as data: export folds adapters into base weights. */
export interface MergeRule {
  readonly module: string;
  readonly target: string;
  readonly op: '+=' | '=';
  readonly body: unknown;
  readonly scope: Scope;
}

export interface ModuleInst {
  /** Dotted path from the root ('' for the model itself). */
  readonly path: string;
  /** Declaration name: `linear`, `block`, `gpt2`. */
  readonly kind: string;
  /** Config values bound by the instantiation (`in`, `out`, `bias`, ...). */
  readonly config: Map<string, unknown>;
  readonly params: Map<string, ParamSpec>;
  readonly children: Map<string, ModuleInst>;
  /** Module arrays (`blocks[layers] = block(...)`) keep their element order here too. */
  readonly arrays: Map<string, ModuleInst[]>;
  /** The declaration (AST), whose `forward` the tracer runs. */
  readonly decl: unknown;
  /** The scope its body was elaborated in (config, lets); `forward` runs in a child of it. */
  scope?: Scope;
  readonly wrappers: Wrapper[];
  /** For a reference copy: the module it copies, and the copy's root (to remap wrap scopes). */
  cloneOf?: ModuleInst;
  cloneRoot?: ModuleInst;
}

export interface ModelTree {
  readonly root: ModuleInst;
  readonly merges: MergeRule[];
}

/**
 * A frozen copy of a module tree under `prefix` (`ref.blocks.0.attn.q.weight`): same
 * config, forward and wrappers; parameters renamed, frozen, drawing their initial values
 * from the original names' streams (so the copy starts equal to the original).
 */
export function cloneFrozen(src: ModuleInst, prefix: string): ModuleInst {
  const map = new Map<ModuleInst, ModuleInst>();
  let root: ModuleInst | undefined;
  const copy = (m: ModuleInst): ModuleInst => {
    const c: ModuleInst = {
      ...newModule(joinPath(prefix, m.path), m.kind, m.decl, m.config),
      scope: m.scope,
      cloneOf: m,
    };
    root ??= c;
    c.cloneRoot = root;
    map.set(m, c);
    for (const [k, p] of m.params)
      c.params.set(k, {
        ...p,
        name: joinPath(prefix, p.name),
        trainable: false,
        rows: undefined,
        stream: p.stream ?? p.name,
        reference: true,
      });
    for (const [k, ch] of m.children) c.children.set(k, copy(ch));
    for (const [k, items] of m.arrays)
      c.arrays.set(
        k,
        items.map((x) => map.get(x)!),
      );
    c.wrappers.push(...m.wrappers);
    return c;
  };
  return copy(src);
}

export const joinPath = (a: string, b: string): string => (a === '' ? b : b === '' ? a : `${a}.${b}`);

export function newModule(
  path: string,
  kind: string,
  decl: unknown,
  config: Map<string, unknown>,
): ModuleInst {
  return {
    path,
    kind,
    config,
    decl,
    params: new Map(),
    children: new Map(),
    arrays: new Map(),
    wrappers: [],
  };
}

/** Every module instance, parents before children, in declaration order. */
export function allModules(root: ModuleInst): ModuleInst[] {
  const out: ModuleInst[] = [];
  const walk = (m: ModuleInst) => {
    out.push(m);
    for (const c of m.children.values()) walk(c);
  };
  walk(root);
  return out;
}

/** Every parameter, in module order then declaration order. */
export function allParams(root: ModuleInst): ParamSpec[] {
  return allModules(root).flatMap((m) => [...m.params.values()]);
}

export function findModule(root: ModuleInst, path: string): ModuleInst | undefined {
  return allModules(root).find((m) => m.path === path);
}

/** One IR parameter leaf: a whole parameter, or one row slice of a split parameter. */
export interface ParamLeaf {
  /** Leaf name: the parameter's name, or `name#rows[a:b]` for a slice. */
  readonly name: string;
  readonly param: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly trainable: boolean;
  /** Where the leaf sits in its parameter (axis and offset) when split. */
  readonly slice?: RowRange;
  /** Part of an element-masked parameter: its flat indices (frozen) or its trainable delta. */
  readonly maskPart?: 'index' | 'delta';
}

/** The IR leaves of one parameter: [frozen head, trainable slice, frozen tail] with empty parts dropped. */
export function leavesOf(p: ParamSpec): ParamLeaf[] {
  if (p.trainable && p.mask) return maskLeaves(p, p.mask);
  const r = p.rows;
  if (!p.trainable || !r || (r.start === 0 && r.end === p.shape[r.axis]))
    return [{ name: p.name, param: p.name, shape: p.shape, dtype: p.dtype, trainable: p.trainable }];
  const parts: ParamLeaf[] = [];
  const piece = (start: number, end: number, trainable: boolean) => {
    if (end <= start) return;
    const shape = p.shape.map((d, i) => (i === r.axis ? end - start : d));
    const tag = r.axis === 0 ? 'rows' : `axis${r.axis}`;
    parts.push({
      name: `${p.name}#${tag}[${start}:${end}]`,
      param: p.name,
      shape,
      dtype: p.dtype,
      trainable,
      slice: { axis: r.axis, start, end },
    });
  };
  piece(0, r.start, false);
  piece(r.start, r.end, true);
  piece(r.end, p.shape[r.axis], false);
  return parts;
}
