// The check registry: small semantic checks keyed by AST node kind (Langium's
// ValidationChecks). `run` walks the program once and calls every check registered for
// each node's kind; checks report through `ctx.report` and never throw on user error.

import { walk, type Node, type NodeKind, type NodeOf, type Program } from '../../grammar/ast.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { Binding } from './bind.ts';
import type { Scope } from './scope.ts';

export interface CheckContext {
  readonly file: string;
  readonly binding: Binding;
  readonly fileScope: Scope;
  /** The file scope of an imported file (by path), for following declarations across files. */
  scopeOf(file: string): Scope | undefined;
  /** Parent of any node visited so far (the walk is pre-order, so a node's ancestors are known). */
  parentOf(node: Node): Node | undefined;
  report(d: Diagnostic): void;
}

export type Check<K extends NodeKind> = (node: NodeOf<K>, ctx: CheckContext) => void;

export class CheckRegistry {
  private readonly checks = new Map<NodeKind, Check<NodeKind>[]>();

  register<K extends NodeKind>(kind: K, ...checks: Check<K>[]): this {
    const list = this.checks.get(kind) ?? [];
    list.push(...(checks as unknown as Check<NodeKind>[]));
    this.checks.set(kind, list);
    return this;
  }

  /** Registered kinds (for docs and tests). */
  kinds(): NodeKind[] {
    return [...this.checks.keys()];
  }

  run(program: Program, base: Omit<CheckContext, 'parentOf' | 'report'>): Diagnostic[] {
    const out: Diagnostic[] = [];
    const parents = new Map<Node, Node | undefined>();
    const ctx: CheckContext = { ...base, parentOf: (n) => parents.get(n), report: (d) => out.push(d) };
    walk(program, (node, parent) => {
      parents.set(node, parent);
      for (const check of this.checks.get(node.kind) ?? []) check(node as never, ctx);
    });
    return out;
  }
}
