// Spans from tokens and CST nodes, robust to error recovery.
//
// Tokens inserted by Chevrotain's recovery have NaN offsets, and a recovered CST node may
// have a NaN location. Such positions fall back to a zero-width span at the start of the
// previous real token (the builder converts in source order and records the start of each
// token or node it converts; recording starts, not ends, keeps a parent's span from moving
// the cursor past children not yet converted), so every span lies within the text.

import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { Span } from '../compiler/diagnostics/span.ts';

export class SpanMaker {
  private readonly lineStarts: number[] = [0];
  /** Start offset of the last real token or node a span was made from. */
  private last = 0;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** A span covering [start, end); clamped into the text. */
  at(start: number, end: number): Span {
    const s = Math.max(0, Math.min(start, this.text.length));
    const e = Math.max(s, Math.min(end, this.text.length));
    // binary search for the line holding s
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, start: s, end: e, line: lo + 1, col: s - this.lineStarts[lo]! + 1 };
  }

  /** Zero-width span at the previous real token. */
  fallback(): Span {
    return this.at(this.last, this.last);
  }

  tok(t: IToken | undefined): Span {
    if (!t || !validTok(t)) return this.fallback();
    this.last = Math.max(this.last, t.startOffset);
    return this.at(t.startOffset, t.endOffset! + 1);
  }

  node(n: CstNode | undefined): Span {
    if (!n) return this.fallback();
    const loc = n.location;
    if (
      loc &&
      Number.isFinite(loc.startOffset) &&
      Number.isFinite(loc.endOffset) &&
      loc.endOffset! >= loc.startOffset
    ) {
      this.last = Math.max(this.last, loc.startOffset);
      return this.at(loc.startOffset, loc.endOffset! + 1);
    }
    const toks = realTokens(n);
    if (toks.length === 0) return this.fallback();
    const first = toks.reduce((a, b) => (b.startOffset < a.startOffset ? b : a));
    const last = toks.reduce((a, b) => (b.endOffset! > a.endOffset! ? b : a));
    this.last = Math.max(this.last, first.startOffset);
    return this.at(first.startOffset, last.endOffset! + 1);
  }

  /** The smallest span covering both. */
  join(a: Span, b: Span): Span {
    return this.at(Math.min(a.start, b.start), Math.max(a.end, b.end));
  }

  /** Span of the end of the text (where EOF errors point). */
  eof(): Span {
    return this.at(this.text.length, this.text.length);
  }
}

export const validTok = (t: IToken): boolean =>
  !t.isInsertedInRecovery && Number.isFinite(t.startOffset) && Number.isFinite(t.endOffset);

function realTokens(n: CstNode): IToken[] {
  const out: IToken[] = [];
  const visit = (e: CstElement): void => {
    if ('image' in e) {
      if (validTok(e)) out.push(e);
    } else for (const list of Object.values(e.children)) for (const c of list) visit(c);
  };
  visit(n);
  return out;
}
