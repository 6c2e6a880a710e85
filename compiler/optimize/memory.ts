// Memory planning: temporaries with known lifetimes packed into one arena.
//
// Each temporary is live from the step that writes it to the last step that reads it
// (inclusive). Two temporaries may share bytes only if their lifetimes are disjoint. We place
// the largest first, each at the lowest aligned offset that collides with no placed buffer
// whose lifetime overlaps (greedy first-fit by decreasing size, as in tinygrad's memory.py;
// optimal packing is NP-hard and this is within a few percent on training graphs).
//
// Offsets are aligned to the device's `minStorageBufferOffsetAlignment` (256 on WebGPU) so
// every temporary can be bound as a slice of the arena.

export interface Lifetime {
  readonly id: number;
  readonly bytes: number;
  /** Index in the schedule of the kernel that first writes it. */
  readonly start: number;
  /** Index of the last kernel that reads it (>= start). */
  readonly end: number;
}

export interface MemoryPlan {
  /** Byte offset of each temporary in the arena, by id. */
  readonly offsets: ReadonlyMap<number, number>;
  /** Arena size in bytes (the peak of temporaries). */
  readonly arenaBytes: number;
  /** What one buffer per temporary would take: the unplanned total. */
  readonly unplannedBytes: number;
  /** The largest sum of live bytes at any step: no plan can go below it. */
  readonly lowerBoundBytes: number;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

export function planMemory(lives: readonly Lifetime[], alignment = 256): MemoryPlan {
  const order = [...lives].sort((a, b) => b.bytes - a.bytes || a.start - b.start || a.id - b.id);
  const placed: { life: Lifetime; offset: number; size: number }[] = [];
  const offsets = new Map<number, number>();
  let arenaBytes = 0;
  for (const life of order) {
    const size = alignUp(Math.max(life.bytes, 4), alignment);
    // Placed buffers alive at the same time, by offset: find the first gap that fits.
    const clashes = placed
      .filter((p) => p.life.start <= life.end && life.start <= p.life.end)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of clashes) {
      if (offset + size <= c.offset) break;
      offset = Math.max(offset, c.offset + c.size);
    }
    placed.push({ life, offset, size });
    offsets.set(life.id, offset);
    arenaBytes = Math.max(arenaBytes, offset + size);
  }
  return {
    offsets,
    arenaBytes,
    unplannedBytes: lives.reduce((s, l) => s + alignUp(Math.max(l.bytes, 4), alignment), 0),
    lowerBoundBytes: liveBytesPeak(lives, alignment),
  };
}

/** max over steps of the aligned bytes alive at that step. */
export function liveBytesPeak(lives: readonly Lifetime[], alignment = 256): number {
  const events: [number, number][] = [];
  for (const l of lives) {
    const size = alignUp(Math.max(l.bytes, 4), alignment);
    events.push([l.start, size], [l.end + 1, -size]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (live += d));
  return peak;
}
