// Bit-packed bool temporaries: a bool temp may be stored 32 elements to a 32-bit word
// (element i is bit (i & 31) of word (i >> 5), bound as array<u32>) instead of one i32 0/1
// per element: a saved activation mask (MobileTL) costs 1 bit per element, not 32.
//
// Who decides: a temp is packed only when the kernel that writes it writes whole words
// (the elementwise template, single or multi-output, runs one invocation per 32 elements);
// every other writer (matmul epilogues, row kernels, scatter, reductions) keeps its bool
// outputs as i32 0/1. Params, inputs, outputs and update values keep the host layout (i32).
// The decision is recorded per lowering in a `BoolLayout` (CodegenOptions.bools) when the
// writer's kernel is finished; kernels are built in topological order, so every reader is
// built after its writer and finds the layout settled (reading an undecided temp throws).
//
// Reads: the emitter emits a placeholder `$bool(<binding>, <index>)` (it does not know the
// layout of the buffer yet: the kernel builder learns it with the options in `finish`),
// which `resolveBoolReads` turns into the packed or the i32 read.

import type { Graph } from '../ir/graph.ts';
import type { Node } from '../ir/node.ts';

export class BoolLayout {
  private readonly packed = new Set<Node>();
  private readonly wide = new Set<Node>();

  /** `isTemp`: a computed value the host never sees (not an output or update value). */
  constructor(private readonly isTemp: (n: Node) => boolean) {}

  /** The layout for `graph`: every bool except params, inputs, outputs and update values may pack. */
  static forGraph(graph: Graph): BoolLayout {
    const host = new Set<Node>([...Object.values(graph.outputs), ...graph.updates.map((u) => u.value)]);
    return new BoolLayout((n) => n.op !== 'param' && n.op !== 'input' && !host.has(n));
  }

  /** May a kernel that writes whole words store `n` packed? */
  canPack(n: Node): boolean {
    return n.dtype === 'bool' && this.isTemp(n);
  }

  /** A kernel writes `n`, packed or not (`packed` only where `canPack`). */
  written(n: Node, packed: boolean): void {
    if (packed && !this.canPack(n)) throw new Error(`BoolLayout: %${n.id} cannot be stored packed`);
    if ((packed ? this.wide : this.packed).has(n))
      throw new Error(`BoolLayout: %${n.id} written both packed and unpacked`);
    (packed ? this.packed : this.wide).add(n);
  }

  /** Whether `n`'s buffer holds packed bits; a bool temp must have been written already. */
  isPacked(n: Node): boolean {
    if (this.packed.has(n)) return true;
    if (this.wide.has(n) || !this.canPack(n)) return false;
    throw new Error(`BoolLayout: %${n.id} is read by a kernel built before the kernel that writes it`);
  }

  /** The temps stored packed so far. */
  packedNodes(): ReadonlySet<Node> {
    return this.packed;
  }
}

/** Placeholder of a bool read of `buf` at `index` (a name or literal), see the header. */
export const boolReadPlaceholder = (buf: string, index: string): string => `$bool(${buf}, ${index})`;

const PLACEHOLDER = /\$bool\((\w+), ([\w-]+)\)/g;

/** A bool of a packed buffer at i32 `index`: bit (index & 31) of word (index >> 5). */
export const packedRead = (buf: string, index: string): string =>
  `(((${buf}[${index} >> 5u] >> (u32(${index}) & 31u)) & 1u) != 0u)`;

/** `word | (value << bit)`: bit `bit` (an i32 in 0..31) of a u32 word set from a WGSL bool. */
export const packedBit = (word: string, value: string, bit: string): string =>
  `${word} | (select(0u, 1u, ${value}) << u32(${bit}))`;

/**
 * `body` with every placeholder read resolved: packed reads for the bindings in `packed`,
 * i32 0/1 reads for the others. Throws if a packed binding is also indexed directly (a
 * template reading it without the emitter would see words, not elements).
 */
export function resolveBoolReads(body: string, packed: ReadonlySet<string>): string {
  const rest = body.replace(PLACEHOLDER, '');
  for (const name of packed)
    if (new RegExp(`\\b${name}\\[`).test(rest))
      throw new Error(`resolveBoolReads: packed bool binding ${name} is read directly`);
  return body.replace(PLACEHOLDER, (_, buf: string, index: string) =>
    packed.has(buf) ? packedRead(buf, index) : `(${buf}[${index}] != 0i)`,
  );
}
