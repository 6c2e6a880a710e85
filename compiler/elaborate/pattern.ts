// Patterns over dotted module/parameter paths, as used by `freeze`, `unfreeze`,
// `modules(targets)` and `b[tensors]`:
//   `*`      one path segment, or part of one (`lora_*`);
//   `**`     any number of segments, including none (`**.bias` matches `bias` and `a.b.bias`);
//   `{q,v}`  alternatives, expanded first (may contain dots: `{attn.q,mlp.fc}`);
//   `all`    is spelled `**`.
// A pattern that matches nothing gets a hint: the closest existing path and how many paths
// a looser version of the pattern (last segment -> `*`) would match.

export function expandBraces(p: string): string[] {
  const open = p.indexOf('{');
  if (open < 0) return [p];
  let depth = 0;
  let close = -1;
  const cuts: number[] = [];
  for (let i = open; i < p.length; i++) {
    if (p[i] === '{') depth++;
    else if (p[i] === '}' && --depth === 0) {
      close = i;
      break;
    } else if (p[i] === ',' && depth === 1) cuts.push(i);
  }
  if (close < 0) return [p];
  const parts: string[] = [];
  let from = open + 1;
  for (const c of [...cuts, close]) {
    parts.push(p.slice(from, c));
    from = c + 1;
  }
  const head = p.slice(0, open);
  const tail = p.slice(close + 1);
  return parts.flatMap((alt) => expandBraces(head + alt + tail));
}

function segmentRegex(seg: string): RegExp {
  const body = seg.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*');
  return new RegExp(`^${body}$`);
}

function matchSegs(pat: readonly string[], path: readonly string[]): boolean {
  if (pat.length === 0) return path.length === 0;
  const [head, ...rest] = pat;
  if (head === '**') {
    for (let k = 0; k <= path.length; k++) if (matchSegs(rest, path.slice(k))) return true;
    return false;
  }
  return path.length > 0 && segmentRegex(head).test(path[0]) && matchSegs(rest, path.slice(1));
}

/** A compiled pattern: `test(path)`. */
export function compilePattern(pattern: string): (path: string) => boolean {
  const alts = expandBraces(pattern.trim() === 'all' ? '**' : pattern.trim()).map((a) => a.split('.'));
  return (path: string) => {
    const segs = path === '' ? [] : path.split('.');
    return alts.some((a) => matchSegs(a, segs));
  };
}

export function matchAll(pattern: string, paths: readonly string[]): string[] {
  const t = compilePattern(pattern);
  return paths.filter(t);
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** "did you mean `blocks.*.attn.q`? 12 paths match `blocks.*.attn.*`" for a pattern that matched nothing. */
export function suggestFor(pattern: string, paths: readonly string[]): string | undefined {
  if (paths.length === 0) return undefined;
  // Compare against paths generalised the way the pattern is (numbers -> `*`), so
  // `blocks.*.atn.q` is close to `blocks.*.attn.q`.
  const general = [...new Set(paths.map((p) => p.replace(/(^|\.)\d+(?=\.|$)/g, '$1*')))];
  let best = general[0];
  let bestD = Infinity;
  for (const g of general) {
    const d = editDistance(pattern, g);
    if (d < bestD) [best, bestD] = [g, d];
  }
  const segs = pattern.split('.');
  const loose = [...segs.slice(0, -1), '*'].join('.');
  const n = matchAll(loose, paths).length;
  const looseNote = n > 0 && loose !== pattern ? ` ${n} path${n === 1 ? '' : 's'} match \`${loose}\`.` : '';
  return `did you mean \`${best}\`?${looseNote}`;
}
