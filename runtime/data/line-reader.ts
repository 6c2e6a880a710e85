// Streaming, seekable line reading: a file is read in 64 KiB blocks from a byte offset, so
// files larger than memory work and a saved (offset, line) position resumes exactly. The file is
// opened per block rather than held open, so an abandoned cursor never leaks a descriptor.

import * as fs from 'node:fs';

const BLOCK = 1 << 16;
const NL = 0x0a;

export interface Line {
  /** Without the trailing "\n" (a "\r" before it is kept; callers decide). */
  readonly text: string;
  /** 1-based line number. */
  readonly line: number;
  /** Byte offset just past this line (where the next one starts). */
  readonly end: number;
  /** Whether the line ended with "\n" (false only for a last line without one). */
  readonly newline: boolean;
}

export class LineReader {
  private buf = new Uint8Array(0);
  /** File offset of buf[0]. */
  private bufStart = 0;
  private eof = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly file: string,
    /** Offset of the next unread line, and its number. */
    public offset = 0,
    public line = 1,
  ) {
    this.bufStart = offset;
  }

  /** Next line, or undefined at end of file. Throws the fs error if the file cannot be read. */
  next(): Line | undefined {
    for (;;) {
      const rel = this.offset - this.bufStart;
      const nl = this.buf.indexOf(NL, rel);
      if (nl >= 0 || (this.eof && rel < this.buf.length)) {
        const stop = nl >= 0 ? nl : this.buf.length;
        const text = this.decoder.decode(this.buf.subarray(rel, stop));
        const end = this.bufStart + stop + (nl >= 0 ? 1 : 0);
        const l = { text, line: this.line, end, newline: nl >= 0 };
        this.offset = end;
        this.line++;
        return l;
      }
      if (this.eof) return undefined;
      this.fill();
    }
  }

  /** Drop consumed bytes and append the next block. */
  private fill(): void {
    const keep = this.buf.subarray(this.offset - this.bufStart);
    const block = new Uint8Array(BLOCK);
    const fd = fs.openSync(this.file, 'r');
    let got: number;
    try {
      got = fs.readSync(fd, block, 0, BLOCK, this.bufStart + this.buf.length);
    } finally {
      fs.closeSync(fd);
    }
    if (got === 0) this.eof = true;
    const merged = new Uint8Array(keep.length + got);
    merged.set(keep);
    merged.set(block.subarray(0, got), keep.length);
    this.bufStart = this.offset;
    this.buf = merged;
  }
}
