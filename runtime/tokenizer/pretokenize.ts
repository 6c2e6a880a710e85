// Pre-tokenization: the regex split that cuts text into words before BPE runs on each word.
// Hugging Face writes these patterns for the Oniguruma engine; JavaScript's `u`-flag RegExp
// understands the same \p{..} classes and lookaheads, but not scoped flags like `(?i:...)`
// (used by Llama-3 and Qwen2 for contractions), which toJsRegex rewrites into explicit
// case classes: (?i:'s) -> (?:'[sS]).

/** GPT-2's split (also the ByteLevel pre-tokenizer's default when use_regex is true). */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** Llama-3's split (Qwen2 is the same with \p{N} instead of \p{N}{1,3}). */
export const LLAMA3_PATTERN = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/** Compile an HF/Oniguruma split pattern to a global unicode JS RegExp; throws SyntaxError if it cannot. */
export function toJsRegex(pattern: string): RegExp {
  return new RegExp(expandCaseInsensitiveGroups(pattern), 'gu');
}

function expandCaseInsensitiveGroups(p: string): string {
  let out = '';
  let i = 0;
  while (i < p.length) {
    if (p.startsWith('(?i:', i)) {
      const end = matchingParen(p, i);
      out += '(?:' + caseFold(p.slice(i + 4, end)) + ')';
      i = end + 1;
    } else if (p[i] === '\\') {
      out += p.slice(i, i + 2);
      i += 2;
    } else out += p[i++];
  }
  return out;
}

/** Index of the ')' closing the '(' at `open`, skipping escapes and character classes. */
function matchingParen(p: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new SyntaxError(`unbalanced group in pattern: ${p}`);
}

/** Replace each literal letter outside classes and escapes by [xX]. */
function caseFold(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      // \p{..} and \P{..} carry a braced name; other escapes are two characters.
      if ((s[i + 1] === 'p' || s[i + 1] === 'P') && s[i + 2] === '{') {
        const close = s.indexOf('}', i);
        out += s.slice(i, close + 1);
        i = close;
      } else {
        out += s.slice(i, i + 2);
        i++;
      }
    } else if (c === '[') {
      const close = classEnd(s, i);
      out += s.slice(i, close + 1);
      i = close;
    } else if (c.toLowerCase() !== c.toUpperCase()) out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    else out += c;
  }
  return out;
}

function classEnd(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ']') return i;
  }
  throw new SyntaxError(`unterminated character class: ${s}`);
}

/** Split like HF's `Split` with behavior "Isolated": matches and the gaps between them are pieces. */
export function splitIsolated(text: string, re: RegExp): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue;
    if (m.index! > last) out.push(text.slice(last, m.index));
    out.push(m[0]);
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
