// The simplest tokenizer, for tiny models trained from scratch: ids 0..255 are the UTF-8 bytes
// of the text, and special tokens (if any) take ids 256, 257, ... in the order given.
// Any text round-trips exactly; vocabSize is 256 + the number of specials.

import {
  type Tokenizer,
  type SpecialToken,
  type EncodeOptions,
  splitSpecials,
  findSpecial,
} from './tokenizer.ts';

export interface ByteTokenizerOptions {
  /** Special tokens, e.g. ["<|endoftext|>", "<|pad|>"]. */
  readonly specials?: readonly string[];
  readonly eos?: string;
  readonly bos?: string;
  readonly pad?: string;
  readonly addBos?: boolean;
}

const utf8 = new TextEncoder();

export function byteTokenizer(opts: ByteTokenizerOptions = {}): Tokenizer {
  const specials: SpecialToken[] = (opts.specials ?? []).map((content, i) => ({ content, id: 256 + i }));
  const byId = new Map(specials.map((s) => [s.id, s]));
  const pick = (name: string | undefined, defaults: string[]) =>
    findSpecial(specials, name ? [name] : defaults);
  const eosId = pick(opts.eos, ['<|endoftext|>', '</s>', '<eos>']);
  const bosId = pick(opts.bos, ['<|startoftext|>', '<s>', '<bos>']);
  const padId = pick(opts.pad, ['<|pad|>', '<pad>']) ?? eosId;
  return {
    vocabSize: 256 + specials.length,
    specials,
    eosId,
    bosId,
    padId,
    addBos: opts.addBos ?? false,
    encode(text: string, o?: EncodeOptions): number[] {
      const ids: number[] = [];
      for (const p of splitSpecials(text, o?.specials === false ? [] : specials)) {
        if ('special' in p) ids.push(p.special.id);
        else for (const b of utf8.encode(p.text)) ids.push(b);
      }
      return ids;
    },
    decode(ids: readonly number[], o?: { skipSpecials?: boolean }): string {
      let out = '';
      let bytes: number[] = [];
      const flush = () => {
        out += new TextDecoder().decode(new Uint8Array(bytes));
        bytes = [];
      };
      for (const id of ids) {
        if (id >= 0 && id < 256) bytes.push(id);
        else {
          flush();
          const s = byId.get(id);
          if (!s) out += '\uFFFD';
          else if (!o?.skipSpecials) out += s.content;
        }
      }
      flush();
      return out;
    },
    describe: () => `byte-level tokenizer, ${256 + specials.length} tokens`,
  };
}
