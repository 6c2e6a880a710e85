// The pieces of a Hugging Face tokenizer.json pipeline that ftl understands, each turned into a
// plain function: normalizers, pre-tokenizers and the BOS template of the post-processor.
// An unsupported component comes back as a message string (the loader makes it a diagnostic)
// rather than being ignored, so a tokenizer never silently encodes differently from HF.
//
// Both run per piece of text between added tokens (HF cuts added tokens out first). `first`
// says whether the piece starts the input, for Metaspace's prepend_scheme "first".

import { GPT2_PATTERN, toJsRegex, splitIsolated } from './pretokenize.ts';
import { findSpecial, type SpecialToken } from './tokenizer.ts';

type Json = Record<string, unknown>;
export type Normalize = (s: string) => string;
export type PreTokenize = (pieces: string[], first: boolean) => string[];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A Regex or String pattern object as HF writes it, compiled to a global RegExp. */
function pattern(p: unknown): RegExp {
  const j = (p ?? {}) as Json;
  if (typeof j.Regex === 'string') return toJsRegex(j.Regex);
  if (typeof j.String === 'string') return new RegExp(escapeRe(j.String), 'gu');
  throw new SyntaxError('pattern must be {"Regex": ...} or {"String": ...}');
}

export function normalizer(n: unknown): Normalize | string {
  if (n === null || n === undefined) return (s) => s;
  const j = n as Json;
  try {
    switch (j.type) {
      case 'NFC':
      case 'NFKC':
      case 'NFD':
      case 'NFKD': {
        const form = j.type;
        return (s) => s.normalize(form);
      }
      case 'Lowercase':
        return (s) => s.toLowerCase();
      case 'Prepend': {
        const pre = String(j.prepend);
        return (s) => (s ? pre + s : s); // HF prepends to every non-empty piece
      }
      case 'Replace': {
        const re = pattern(j.pattern);
        const content = String(j.content);
        return (s) => s.replace(re, () => content);
      }
      case 'Sequence': {
        const fs = ((j.normalizers ?? []) as unknown[]).map(normalizer);
        const bad = fs.find((f) => typeof f === 'string');
        if (bad) return bad as string;
        return (s) => (fs as Normalize[]).reduce((acc, f) => f(acc), s);
      }
      default:
        return `normalizer \`${String(j.type)}\` is not supported`;
    }
  } catch (e) {
    return `normalizer \`${String(j.type)}\`: ${(e as Error).message}`;
  }
}

export function preTokenizer(p: unknown): PreTokenize | string {
  if (p === null || p === undefined) return (xs) => xs;
  const j = p as Json;
  switch (j.type) {
    case 'ByteLevel': {
      const re = j.use_regex === false ? undefined : toJsRegex(GPT2_PATTERN);
      const prefix = j.add_prefix_space === true;
      return (xs) =>
        xs.flatMap((x) => {
          const s = prefix && !/^\s/u.test(x) ? ' ' + x : x;
          return re ? splitIsolated(s, re) : [s];
        });
    }
    case 'Split': {
      if (j.behavior !== 'Isolated' || j.invert === true)
        return `Split pre-tokenizer with behavior \`${String(j.behavior)}\`${j.invert ? ' (inverted)' : ''} is not supported`;
      let re: RegExp;
      try {
        re = pattern(j.pattern);
      } catch (e) {
        return `Split pattern cannot be compiled for JavaScript: ${(e as Error).message}`;
      }
      return (xs) => xs.flatMap((x) => splitIsolated(x, re));
    }
    case 'Digits': {
      // SmolLM: digits become their own pieces, one per digit or one per run.
      const re = j.individual_digits === true ? /\p{N}/gu : /\p{N}+/gu;
      return (xs) => xs.flatMap((x) => splitIsolated(x, re));
    }
    case 'Metaspace': {
      // SentencePiece style: spaces become the replacement (▁), which is prepended to the input
      // ("always", or only to the piece that starts the input: "first"), and each ▁ starts a word.
      const rep = typeof j.replacement === 'string' ? j.replacement : '\u2581';
      const scheme =
        typeof j.prepend_scheme === 'string'
          ? j.prepend_scheme
          : j.add_prefix_space === false
            ? 'never'
            : 'always';
      const split = j.split !== false;
      return (xs, first) =>
        xs.flatMap((x, i) => {
          let s = x.replaceAll(' ', rep);
          const prepend = scheme === 'always' || (scheme === 'first' && first && i === 0);
          if (prepend && !s.startsWith(rep)) s = rep + s;
          return split ? s.split(new RegExp(`(?=${escapeRe(rep)})`, 'u')).filter((w) => w) : [s];
        });
    }
    case 'Sequence': {
      const steps = ((j.pretokenizers ?? []) as unknown[]).map(preTokenizer);
      const bad = steps.find((s) => typeof s === 'string');
      if (bad) return bad as string;
      return (xs, first) => (steps as PreTokenize[]).reduce((acc, f) => f(acc, first), xs);
    }
    default:
      return `pre-tokenizer \`${String(j.type)}\` is not supported`;
  }
}

/** A TemplateProcessing post-processor whose `single` template starts with a special token
 *  (Llama's `<s> $A`, Llama-3's `<|begin_of_text|> $A`) means sequences start with BOS; its id. */
export function bosTemplate(p: unknown, specials: readonly SpecialToken[]): number | undefined {
  const j = p as Json | null;
  if (!j) return undefined;
  if (j.type === 'Sequence') {
    for (const q of (j.processors ?? []) as unknown[]) {
      const id = bosTemplate(q, specials);
      if (id !== undefined) return id;
    }
    return undefined;
  }
  if (j.type !== 'TemplateProcessing' || !Array.isArray(j.single)) return undefined;
  const first = (j.single[0] ?? {}) as { SpecialToken?: { id?: string } };
  return first.SpecialToken?.id !== undefined ? findSpecial(specials, [first.SpecialToken.id]) : undefined;
}

/** Whether a component tree mentions a component type (e.g. 'ByteLevel', 'Metaspace'). */
export function mentions(component: unknown, type: string): boolean {
  if (component === null || typeof component !== 'object') return false;
  if ((component as Json).type === type) return true;
  return Object.values(component as Json).some((v) =>
    Array.isArray(v) ? v.some((x) => mentions(x, type)) : mentions(v, type),
  );
}
