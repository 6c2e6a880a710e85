// Printing comments. Prettier's own algorithm attaches every comment of `Program.comments`
// to a node (leading, trailing, or dangling inside a node with nothing else to hold it) using
// the spans, steered by attach.ts; its printer prints leading and trailing comments around
// each node printed through `print`. This file supplies how a comment prints, which nodes may
// hold one, and the dangling ones, which the language must print itself (an empty block, an
// empty file, `{ // why`, or — as a fallback that keeps every comment — after any node left
// holding one).
//
// Comment text is kept verbatim (a block comment's inner lines are not re-indented); line
// and doc comments lose trailing whitespace only.

import { doc, util, type AstPath, type Doc } from 'prettier';
import type * as A from '../ast.ts';

const { hardline, join, lineSuffix, breakParent } = doc.builders;

/** A comment as Prettier sees it: our `Comment` plus the fields its attacher sets. */
export interface AttachedComment extends A.Comment {
  value: string;
  leading?: boolean;
  trailing?: boolean;
  printed?: boolean;
  /** Moved by attach.ts to the end of the line of its holder: printed on that line. */
  hoisted?: boolean;
}

export const commentText = (c: A.Comment): string => (c.style === 'block' ? c.text : c.text.trimEnd());

export function printComment(path: AstPath<A.Node>): Doc {
  const c = path.node as AttachedComment;
  c.printed = true;
  return commentText(c);
}

export const isBlockComment = (n: A.Node): boolean => n.kind === 'Comment' && n.style === 'block';

/** Any node but a comment may hold comments; every node is printed through `print`. */
export const canAttachComment = (n: A.Node): boolean => typeof n.kind === 'string' && n.kind !== 'Comment';

/** Children for Prettier's comment attacher: every property holding nodes, spans excepted. */
export function getVisitorKeys(node: A.Node): string[] {
  return Object.keys(node).filter((k) => {
    if (k === 'span' || k === 'comments') return false;
    const v = (node as unknown as Record<string, unknown>)[k];
    return typeof v === 'object' && v !== null;
  });
}

/**
 * The dangling comments of the current node not printed yet (only those with `marker` when
 * given). `own-lines`: one per line (for a block or the program body); `inline`: after the
 * node on its line (line comments pushed to the line's end, forcing enclosing groups to break);
 * `list`: the comments' texts as an array, for the caller to lay out. With `text` (the source),
 * a blank line between two of them is kept.
 */
export function printDanglingComments(
  path: AstPath<A.Node>,
  mode: 'own-lines' | 'inline' | 'list',
  marker?: string,
  text?: string,
): Doc {
  type Dangling = AttachedComment & { marker?: string };
  const node = path.node as A.Node & { comments?: Dangling[] };
  const wanted = (c: Dangling) => !c.leading && !c.trailing && !c.printed && (!marker || c.marker === marker);
  if (!node.comments?.some(wanted)) return mode === 'list' ? [] : '';
  const docs: Doc[] = [];
  path.each((p) => {
    const c = p.node as Dangling;
    if (!wanted(c)) return;
    c.printed = true;
    const t = commentText(c);
    // one blank line kept between comments that had one
    if (mode !== 'inline')
      docs.push(docs.length > 0 && text && util.isPreviousLineEmpty(text, c.span.start) ? [hardline, t] : t);
    else docs.push(c.style === 'block' ? [' ', t] : [lineSuffix([' ', t]), breakParent]);
  }, 'comments');
  return mode === 'own-lines' ? join(hardline, docs) : docs;
}

/**
 * The trailing comments of the current node, printed here rather than by Prettier (which
 * skips those in its printed set) so that line comments never share a line: the first
 * end-of-line comment goes to the end of the node's line, any further one on a line of its
 * own below; a comment that stood on its own line in the source stays on its own line.
 */
export function printTrailingComments(path: AstPath<A.Node>, options: object): Doc {
  const node = path.node as A.Node & { comments?: AttachedComment[] };
  if (!node.comments?.some((c) => c.trailing)) return '';
  const text = (options as { originalText: string }).originalText;
  const done = (options as Record<symbol, Set<unknown>>)[Symbol.for('printedComments')]!;
  const docs: Doc[] = [];
  let lineTaken = false; // a line comment already ends this line
  path.each((p) => {
    const c = p.node as AttachedComment;
    if (!c.trailing || c.printed || done.has(c)) return;
    done.add(c);
    c.printed = true;
    const t = commentText(c);
    const ownLine = !c.hoisted && util.hasNewline(text, c.span.start, { backwards: true });
    if (ownLine || lineTaken) {
      const blank = ownLine && util.isPreviousLineEmpty(text, c.span.start);
      docs.push(lineSuffix([hardline, blank ? hardline : '', t]), breakParent);
      lineTaken = true;
    } else if (c.style === 'block') docs.push([' ', t]);
    else {
      docs.push(lineSuffix([' ', t]), breakParent);
      lineTaken = true;
    }
  }, 'comments');
  return docs;
}
