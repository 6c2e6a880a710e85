// Crash-safe file replacement: write a temp file in the same directory, fsync it, rename it
// over the target, then fsync the directory so the rename itself is durable. A crash at any
// point leaves either the old file or the new one, never a torn mix, so a checkpoint that was
// on disk before a save is never lost.

import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/** Atomically replace `file` with `chunks` (written in order). Throws on I/O error; callers
 *  turn that into a diagnostic. */
export function writeFileAtomic(file: string, chunks: readonly Uint8Array[]): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${counter++}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += fs.writeSync(fd, c, off, c.length - off);
    }
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

/** Make a directory's entries (renames, creations) durable. Some platforms cannot open a
 *  directory for fsync; there the rename is still atomic, just not yet flushed. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows: directories cannot be fsynced; nothing more we can do.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export const writeTextAtomic = (file: string, text: string): void =>
  writeFileAtomic(file, [Buffer.from(text, 'utf8')]);
