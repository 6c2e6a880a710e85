// Structural equality of two ASTs, ignoring source positions: the formatter's proof that it
// changed only layout. `span` fields are skipped, and so are `comments` (compared separately,
// as a multiset of texts, because formatting moves them). `doc` strings of declarations are
// compared: a `///` comment must stay directly above its declaration.

import type { Comment, Node } from '../ast.ts';
import { commentText } from './comments.ts';

const ignored = new Set(['span', 'comments']);

/** The path of the first difference (`decls.2.body.stmts.0.value.op: "+" vs "-"`), or undefined. */
export function astDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${at || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${at}: array vs non-array`;
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length)
    return `${at}: length ${a.length} vs ${b.length}`;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)].filter((k) => !ignored.has(k)));
  for (const k of keys) {
    const d = astDifference(ra[k], rb[k], at ? `${at}.${k}` : k);
    if (d) return d;
  }
  return undefined;
}

export const sameAst = (a: Node, b: Node): boolean => astDifference(a, b) === undefined;

/** The comments' texts (trailing whitespace of line comments dropped), sorted: a multiset. */
export const commentMultiset = (cs: readonly Comment[]): string[] => cs.map(commentText).sort();
