// Where a comment goes when Prettier's default would misplace it. Prettier attaches a comment
// to the nodes around it (`precedingNode`, `followingNode`, inside `enclosingNode`); a
// trailing line comment is then printed with `lineSuffix`, i.e. at the end of the output
// line where its node ends. Two such comments from different nodes landing on one line would
// merge into one comment (`// a // b`), and a comment printed mid-line would be read back
// differently by the next run. So a comment on its own line or at a line's end is kept only
// where the printer starts or ends a line anyway:
//   - between statements or declarations, list elements, arguments, parameters or record
//     fields (Prettier's default: leading comment of the next one, trailing of the last);
//   - between pipeline stages or binary operands: trailing comment of the stage or operand
//     above (its group breaks, so the comment ends that stage's line);
//   - at the end of a block's `{` line: kept there (a dangling comment marked `open`);
// and anywhere else (after `=`, after `.`, between a callee and `(`, in a declaration head) it
// moves to the end of the statement, argument, ... that contains it, or to the `{` line of
// the statement's block when the comment is in its head. Block comments with code on both
// sides of them on one line stay where they are (Prettier's default).

import { util } from 'prettier';
import type * as A from '../ast.ts';
import { walk } from '../ast.ts';
import type { AttachedComment } from './comments.ts';
import { hasParens, precOfOp } from './parens.ts';

interface Context {
  enclosingNode?: A.Node;
  precedingNode?: A.Node;
  followingNode?: A.Node;
}
type Held = A.Node & { comments?: (AttachedComment & { marker?: string })[] };

let parents = new WeakMap<A.Node, A.Node>();

/** Records every node's parent; called by the plugin's parser for each tree it returns. */
export function indexParents(program: A.Program): void {
  parents = new WeakMap();
  walk(program, (n, parent) => {
    if (parent) parents.set(n, parent);
  });
}

/** A node that the printer starts on a fresh line (inside a broken group for the latter four). */
const isElement = (enclosing: A.Node, n: A.Node): boolean =>
  enclosing.kind === 'Program' ||
  enclosing.kind === 'Block' ||
  enclosing.kind === 'ListLit' ||
  n.kind === 'Arg' ||
  n.kind === 'Formal' ||
  n.kind === 'RecordField' ||
  n.kind === 'RecordTypeField';

function attach(
  holder: A.Node,
  comment: AttachedComment,
  how: 'leading' | 'trailing' | 'dangling',
  marker?: string,
): true {
  comment.leading = how === 'leading';
  comment.trailing = how === 'trailing';
  if (marker) (comment as AttachedComment & { marker?: string }).marker = marker;
  ((holder as Held).comments ??= []).push(comment);
  return true;
}

/** The property of its parent that holds `n` (`left`, `args`, ...). */
function keyOf(n: A.Node): string | null {
  const parent = parents.get(n);
  if (!parent) return null;
  for (const [k, v] of Object.entries(parent)) if (v === n || (Array.isArray(v) && v.includes(n))) return k;
  return null;
}

/**
 * In `a |> b |> c` (or `a + b - c`) the operand the printer ends a line with: the rightmost one
 * of the flattened chain (not inside parentheses, which the printer does not flatten).
 */
function lastOperand(p: A.Node, chain: A.Pipe | A.Binary): A.Node {
  let n = p;
  for (;;) {
    if (hasParens(n, parents.get(n), keyOf(n))) return n;
    if (chain.kind === 'Pipe' && n.kind === 'Pipe') n = n.right;
    else if (chain.kind === 'Binary' && n.kind === 'Binary' && precOfOp(n.op) === precOfOp(chain.op))
      n = n.right;
    else return n;
  }
}

/** The block of `n` (a for/if/declaration/stage ...) that starts after `offset`, if any. */
function blockAfter(n: A.Node, offset: number): A.Block | undefined {
  for (const v of Object.values(n)) {
    const b = v as A.Node | undefined;
    if (b && typeof b === 'object' && b.kind === 'Block' && b.span.start >= offset) return b;
  }
  return undefined;
}

/** Moves the comment up to the nearest node the printer ends a line with (see the header). */
function hoist(comment: AttachedComment, enclosing: A.Node): true {
  for (let n: A.Node | undefined = enclosing; n; n = parents.get(n)) {
    const block = blockAfter(n, comment.span.end);
    if (block) return attach(block, comment, 'dangling', 'open');
    const parent = parents.get(n);
    if (!parent) return attach(n, comment, 'dangling');
    if (isElement(parent, n)) {
      comment.hoisted = true;
      return attach(n, comment, 'trailing');
    }
  }
  throw new Error('ftl format: hoist() climbed past the program');
}

const blankLine = /\n[ \t]*\r?\n/;
const stripComments = (s: string): string => s.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');

function endsTailRun(text: string, p: A.Node, c: A.Comment, f: A.Node): boolean {
  if (blankLine.test(text.slice(p.span.end, c.span.start))) return false;
  const after = text.slice(c.span.end, f.span.start);
  const m = blankLine.exec(after);
  return m !== null && stripComments(after.slice(0, m.index)).trim() === '';
}

/** Binary chains the printer can break (`^` never breaks). */
const isChain = (e: A.Node): e is A.Pipe | A.Binary =>
  e.kind === 'Pipe' || (e.kind === 'Binary' && e.op !== '^');

export function handleOwnLineComment(comment: AttachedComment & Context, text: string): boolean {
  const { enclosingNode: e, precedingNode: p, followingNode: f } = comment;
  // In a run of comment lines directly below a declaration and ended by a blank line: about
  // the declaration above (and the blank line the printer puts between declarations comes
  // after it).
  if ((!e || e.kind === 'Program') && p && f && endsTailRun(text, p, comment, f))
    return attach(p, comment, 'trailing');
  if (!e || e.kind === 'Program' || e.kind === 'Block') return false;
  // `/* c */ x` at a line's start: a leading comment of `x`, printed just so
  if (comment.style === 'block' && !util.hasNewline(text, comment.span.end)) return false;
  if (f && isElement(e, f)) return false;
  if (p && isElement(e, p)) return attach(p, comment, 'trailing'); // after the last element
  if (p && isChain(e)) return attach(lastOperand(p, e), comment, 'trailing');
  return hoist(comment, e);
}

export function handleEndOfLineComment(comment: AttachedComment & Context): boolean {
  const { enclosingNode: e, precedingNode: p, followingNode: f } = comment;
  if (e?.kind === 'Block' && !p) return attach(e, comment, 'dangling', 'open');
  if (!e || e.kind === 'Program' || e.kind === 'Block') return false;
  if (p ? isElement(e, p) : f && isElement(e, f)) return false;
  if (p && isChain(e)) return attach(lastOperand(p, e), comment, 'trailing');
  // a block comment prints right after its node and can share a line: no need to move it
  if (p && comment.style === 'block') return attach(p, comment, 'trailing');
  return hoist(comment, e);
}

// A block comment with code on both sides (`f(a /* c */, b)`) goes with the code it touches:
// before the following node when only opening brackets separate them (`g /* c */ (x)` prints
// `g(/* c */ x)`), otherwise after the preceding node. Decided per comment, so that it does not
// depend on other comments nearby (Prettier's default breaks ties by groups of comments).
export function handleRemainingComment(comment: AttachedComment & Context, text: string): boolean {
  const { precedingNode: p, followingNode: f } = comment;
  if (!p || !f) return false;
  const gap = stripComments(text.slice(comment.span.end, f.span.start));
  if (/^[\s([{]*$/.test(gap)) return attach(f, comment, 'leading');
  const e = comment.enclosingNode;
  return attach(e && isChain(e) ? lastOperand(p, e) : p, comment, 'trailing');
}
