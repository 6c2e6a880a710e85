// Offsets (JS string indices) ↔ LSP positions (line, UTF-16 character), against positions
// computed independently by walking code points and counting their UTF-16 width.

import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../cli/lsp/positions.ts';

/** Reference: walk the text code point by code point. */
function reference(text: string): { offset: number; line: number; character: number }[] {
  const out = [];
  let line = 0;
  let character = 0;
  let offset = 0;
  for (const ch of text) {
    out.push({ offset, line, character });
    const units = ch.codePointAt(0)! > 0xffff ? 2 : 1;
    offset += units;
    if (ch === '\n') {
      line++;
      character = 0;
    } else character += units;
  }
  out.push({ offset, line, character });
  return out;
}

const text = 'a🚀b\n  😀😀 x = "é"\r\n\nlast 🧪';

describe('LineIndex', () => {
  it('maps every code-point boundary both ways, emoji counting two UTF-16 units', () => {
    const ix = new LineIndex(text);
    for (const r of reference(text)) {
      if (text[r.offset - 1] === '\r' && text[r.offset] === '\n') continue; // inside a CRLF
      expect(ix.position(r.offset)).toEqual({ line: r.line, character: r.character });
      expect(ix.offset({ line: r.line, character: r.character })).toBe(r.offset);
    }
    // `b` follows one emoji: character 3, not 2
    expect(ix.position(text.indexOf('b'))).toEqual({ line: 0, character: 3 });
    expect(ix.position(text.indexOf('x'))).toEqual({ line: 1, character: 7 });
  });

  it('clamps positions past a line end (before CRLF) or past the text', () => {
    const ix = new LineIndex(text);
    expect(ix.offset({ line: 1, character: 999 })).toBe(text.indexOf('\r'));
    expect(ix.offset({ line: 0, character: 999 })).toBe(text.indexOf('\n'));
    expect(ix.offset({ line: 99, character: 0 })).toBe(text.length);
    expect(ix.position(text.length + 5)).toEqual(ix.position(text.length));
    expect(ix.lineCount).toBe(4);
  });

  it('gives ranges of spans', () => {
    const ix = new LineIndex(text);
    const s = text.indexOf('😀');
    expect(ix.range(s, s + 4)).toEqual({ start: { line: 1, character: 2 }, end: { line: 1, character: 6 } });
  });
});
