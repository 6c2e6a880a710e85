// Values of the staging interpreter. Tensors are IR nodes (staged, never computed here);
// everything else is a host value computed at compile time: ints and floats (`number`),
// bools, strings, lists, records, ranges, module instances, closures, declarations and
// builtins. Control flow (`for b in blocks`, `if bias`) runs on host values, so the traced
// graph is straight-line.

import type * as A from '../../grammar/ast.ts';
import type { Node } from '../ir/node.ts';
import type { InitSpec, ModuleInst } from '../elaborate/tree.ts';

export type Value =
  | number
  | boolean
  | string
  | Node
  | NullV
  | ListV
  | RecordV
  | RangeV
  | ModuleV
  | ClosureV
  | DeclV
  | AppliedV
  | BuiltinV
  | NamespaceV
  | InitV
  | SelectV
  | ParamSetV;

export interface NullV {
  readonly kind: 'null';
}
export interface ListV {
  readonly kind: 'list';
  readonly items: Value[];
}
export interface RecordV {
  readonly kind: 'record';
  readonly fields: Map<string, Value>;
}
export interface RangeV {
  readonly kind: 'range';
  readonly start: number;
  readonly end: number;
  /** Written with a float bound (`0 .. 0.25`): a ratio for row selectors. */
  readonly float: boolean;
}
/** A module instance of the elaborated tree: callable (its forward), with members. */
export interface ModuleV {
  readonly kind: 'module';
  readonly inst: ModuleInst;
}
/** A lambda or a `fn` declaration with its defining scope. */
export interface ClosureV {
  readonly kind: 'closure';
  readonly name: string;
  readonly params: readonly { name: string; default?: A.Expr; type?: A.TypeExpr }[];
  readonly body: A.Expr | A.Block;
  readonly scope: Scope;
}
/** A top-level declaration referenced by name (model, module, loss, optimizer, schedule, method). */
export interface DeclV {
  readonly kind: 'decl';
  readonly decl: A.Decl & { name: A.Ident; params: readonly A.Formal[] };
  /** The scope its body sees (its file's top level). */
  readonly scope: Scope;
}
/** A declaration with (some) arguments bound: `adamw(lr: 3e-4)`, `cosine(warmup: 20)`. */
export interface AppliedV {
  readonly kind: 'applied';
  readonly decl: DeclV;
  readonly args: Map<string, Value>;
  /** A model from `model.load(dir)`: the Hugging Face folder its weights come from. */
  readonly checkpoint?: string;
}
export interface Args {
  readonly positional: Value[];
  readonly named: Map<string, Value>;
  readonly span: A.Span;
}
export interface BuiltinV {
  readonly kind: 'builtin';
  readonly name: string;
  readonly call: (args: Args) => Value;
}
/** An imported file: its declarations by name. */
export interface NamespaceV {
  readonly kind: 'namespace';
  readonly name: string;
  readonly members: Map<string, Value>;
}
/** An init spec (`normal(std: 0.02)`), only meaningful after `init`. */
export interface InitV {
  readonly kind: 'init';
  readonly spec: InitSpec;
}
/** `b[tensors]`: a pattern scoped to module b, for freeze/unfreeze. */
export interface SelectV {
  readonly kind: 'select';
  readonly scope: string;
  readonly pattern: string;
}

/**
 * A set of tensors keyed by parameter leaf name (`trainable` in a `gradient` body):
 * arithmetic applies per entry (`trainable + eps * z`), builtins like randn_like map over it.
 */
export interface ParamSetV {
  readonly kind: 'params';
  readonly items: ReadonlyMap<string, Node>;
}

export const NULL: NullV = { kind: 'null' };
export const isParamSet = (v: Value | undefined): v is ParamSetV =>
  typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'params';

/** Lexical scope: a chain of maps. `set` updates the nearest binding, `define` shadows. */
export class Scope {
  private readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Scope) {}
  lookup(name: string): Value | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
  has(name: string): boolean {
    return this.vars.has(name) || (this.parent?.has(name) ?? false);
  }
  define(name: string, v: Value): void {
    this.vars.set(name, v);
  }
  /** Assign to the nearest existing binding; false when there is none. */
  set(name: string, v: Value): boolean {
    if (this.vars.has(name)) {
      this.vars.set(name, v);
      return true;
    }
    return this.parent?.set(name, v) ?? false;
  }
  child(): Scope {
    return new Scope(this);
  }
  ownNames(): string[] {
    return [...this.vars.keys()];
  }
}

export function typeName(v: Value): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if ('op' in v) return `${v.dtype}[${v.shape.join(', ')}]`;
  if (v.kind === 'module') return `module ${v.inst.kind}`;
  if (v.kind === 'decl') return `${v.decl.kind.replace('Decl', '').toLowerCase()} ${v.decl.name.name}`;
  return v.kind;
}

export const isTensor = (v: Value): v is Node => typeof v === 'object' && 'op' in v && 'shape' in v;
export const list = (items: Value[]): ListV => ({ kind: 'list', items });
export const record = (fields: Map<string, Value> | Record<string, Value>): RecordV => ({
  kind: 'record',
  fields: fields instanceof Map ? fields : new Map(Object.entries(fields)),
});
