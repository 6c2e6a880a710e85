// The data every system trains on, generated here once so both see the same bytes.
//
// GPT: a byte corpus (examples/data/corpus.txt when present, else seeded pseudo-random ASCII,
// so the file is valid UTF-8 and a byte tokenizer maps it back to the same ids), cut into
// consecutive windows of `ctx` tokens: batch s is rows [s*B, (s+1)*B) modulo the corpus.
// MLP: inputs uniform in [0, 1) and labels in [0, 10), from the same seeded hash.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mix32 } from '../runtime/rng.ts';

const CORPUS = fileURLToPath(new URL('../examples/data/corpus.txt', import.meta.url));

/** Deterministic u32 stream: hash of (seed, i). */
const hash = (seed: number, i: number) => mix32((mix32(seed ^ 0x9e3779b9) + i) >>> 0);

/** Seeded pseudo-random ASCII bytes in [0, 128). */
export function randomBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = hash(seed, i) & 0x7f;
  return out;
}

/** The corpus: the example text if the repository has it, else 64 KiB of seeded bytes. */
export function corpus(seed = 1234): { bytes: Uint8Array; source: string } {
  if (existsSync(CORPUS)) {
    const bytes = new Uint8Array(readFileSync(CORPUS));
    if (bytes.length >= 4096) return { bytes, source: 'examples/data/corpus.txt' };
  }
  return { bytes: randomBytes(seed, 1 << 16), source: `random ASCII bytes (seed ${seed})` };
}

/** Token batch for step `s` (0-based): Int32Array of shape [batch, ctx], row-major. */
export function tokenBatch(bytes: Uint8Array, batch: number, ctx: number, s: number): Int32Array {
  const rows = Math.floor(bytes.length / ctx);
  if (rows < 1) throw new Error(`corpus of ${bytes.length} bytes is shorter than one window of ${ctx}`);
  const out = new Int32Array(batch * ctx);
  for (let b = 0; b < batch; b++) {
    const row = (s * batch + b) % rows;
    for (let t = 0; t < ctx; t++) out[b * ctx + t] = bytes[row * ctx + t];
  }
  return out;
}

/** MLP batch for step `s`: x [batch, inputs] in [0, 1), labels [batch] in [0, classes). */
export function mlpBatch(
  batch: number,
  inputs: number,
  classes: number,
  s: number,
  seed = 99,
): { x: Float32Array; labels: Int32Array } {
  const x = new Float32Array(batch * inputs);
  const base = s * batch * (inputs + 1);
  for (let i = 0; i < x.length; i++) x[i] = (hash(seed, base + i) >>> 8) / 16777216;
  const labels = new Int32Array(batch);
  for (let b = 0; b < batch; b++) labels[b] = hash(seed ^ 0x5bd1e995, s * batch + b) % classes;
  return { x, labels };
}
