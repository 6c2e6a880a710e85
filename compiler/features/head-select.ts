// Choosing attention heads from trained per-head statistics between two stages (LoFiT's
// step 1 -> step 2; usable by any method that localises training to heads).
//
// `topHeadsByNorm(values, names, heads, k)`: `names` are per-layer vectors of H*dh entries
// (in layer order, e.g. `blocks.N.attn.lofit_a` of a trained step-1 run), viewed as H heads
// of dh; returns the k heads with the largest L2 norm as [layer, head] pairs, largest first
// (ties: lower layer, then lower head first). The pairs are what `lofit_bias(heads: ...)`
// takes. Reading the values is the caller's business (a checkpoint, a run's store), because
// the runtime does not carry trained values across stages into compile time yet.

export interface HeadScore {
  readonly layer: number;
  readonly head: number;
  readonly norm: number;
}

export function headNorms(
  values: ReadonlyMap<string, ArrayLike<number>>,
  names: readonly string[],
  heads: number,
): HeadScore[] {
  const out: HeadScore[] = [];
  names.forEach((name, layer) => {
    const v = values.get(name);
    if (!v) throw new Error(`headNorms: no value for \`${name}\``);
    if (v.length % heads !== 0)
      throw new Error(`headNorms: ${v.length} entries do not split into ${heads} heads`);
    const dh = v.length / heads;
    for (let h = 0; h < heads; h++) {
      let s = 0;
      for (let i = h * dh; i < (h + 1) * dh; i++) s += v[i] * v[i];
      out.push({ layer, head: h, norm: Math.sqrt(s) });
    }
  });
  return out;
}

/** The k heads of largest norm as [layer, head] pairs, largest first. */
export function topHeadsByNorm(
  values: ReadonlyMap<string, ArrayLike<number>>,
  names: readonly string[],
  heads: number,
  k: number,
): [number, number][] {
  const all = headNorms(values, names, heads);
  if (!Number.isInteger(k) || k < 0 || k > all.length)
    throw new Error(`topHeadsByNorm: k must be in 0..${all.length}, got ${k}`);
  return all
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.norm - a.s.norm || a.i - b.i)
    .slice(0, k)
    .map(({ s }) => [s.layer, s.head]);
}

/** `[[0, 1], [2, 0]]` as .ftl list text, for writing a step-2 recipe. */
export const headsLiteral = (pairs: readonly (readonly [number, number])[]): string =>
  `[${pairs.map(([l, h]) => `[${l}, ${h}]`).join(', ')}]`;
