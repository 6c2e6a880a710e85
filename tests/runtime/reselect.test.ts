// The re-selection machinery on its own (runtime/train/reselect.ts): carryWindow maps
// optimizer state by model-parameter coordinate across leaf layouts (row slices -> an element
// mask), keeps trained values of tensors that leave the trainable set and takes re-initialised
// frozen values; TrackedMap computes lazily and records reads; `ftl check` validates the
// train keys and a run refuses a negative interval with a diagnostic.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/check/index.ts';
import type { ParamEntry, TrainingBuild } from '../../compiler/train/build.ts';
import { carryWindow, TrackedMap } from '../../runtime/train/reselect.ts';
import { runRecipe } from '../../runtime/train/run.ts';
import { compileAtStart } from '../../runtime/train/select.ts';

type Fake = Pick<TrainingBuild, 'params' | 'tree' | 'initialValues'>;
const param = (
  name: string,
  p: string,
  shape: number[],
  trainable: boolean,
  extra: Partial<ParamEntry> = {},
) =>
  ({
    name,
    param: p,
    shape,
    dtype: 'f32',
    role: 'param',
    trainable,
    init: { kind: 'zeros' },
    ...extra,
  }) as ParamEntry;
const state = (leaf: string, shape: number[]) =>
  ({
    name: `${leaf}:m`,
    param: leaf,
    shape,
    dtype: 'f32',
    role: 'state',
    trainable: false,
    init: { kind: 'zeros' },
  }) as ParamEntry;
const fake = (params: ParamEntry[], init: Record<string, number[]>): Fake => ({
  params,
  tree: {} as never,
  initialValues: () => new Map(Object.entries(init).map(([k, v]) => [k, Float32Array.from(v)])),
});
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('carryWindow', () => {
  // P [4, 3]: previously rows 0..1 trainable (a row slice), rows 2..3 frozen; Z trainable;
  // Q frozen. Next: P trains flat entries 1, 4, 10 through an element mask; Z frozen; Q's
  // initial value re-decided by the selection.
  const prev = fake(
    [
      param('P#rows[0:2]', 'P', [2, 3], true, { slice: { axis: 0, start: 0, end: 2 } }),
      param('P#rows[2:4]', 'P', [2, 3], false, { slice: { axis: 0, start: 2, end: 4 } }),
      state('P#rows[0:2]', [2, 3]),
      param('Z', 'Z', [2], true),
      state('Z', [2]),
      param('Q', 'Q', [2], false),
    ],
    {
      'P#rows[0:2]': seq(6, () => 0),
      'P#rows[2:4]': seq(6, () => 0),
      'P#rows[0:2]:m': seq(6, () => 0),
      Z: [0, 0],
      'Z:m': [0, 0],
      Q: [1, 1],
    },
  );
  const prevStore = new Map([
    ['P#rows[0:2]', Float32Array.from(seq(6, (i) => 10 + i))],
    ['P#rows[2:4]', Float32Array.from(seq(6, (i) => 16 + i))],
    ['P#rows[0:2]:m', Float32Array.from(seq(6, (i) => 0.5 + i))],
    ['Z', Float32Array.of(7, 8)],
    ['Z:m', Float32Array.of(0.25, 0.75)],
    ['Q', Float32Array.of(1, 1)],
  ]);
  const next = fake(
    [
      param('P', 'P', [4, 3], false),
      param('P#mask.idx', 'P', [3], false),
      param('P#mask[3]', 'P', [3], true),
      state('P#mask[3]', [3]),
      param('Z', 'Z', [2], false),
      param('Q', 'Q', [2], false),
    ],
    {
      P: seq(12, () => 0),
      'P#mask.idx': [1, 4, 10],
      'P#mask[3]': [0, 0, 0],
      'P#mask[3]:m': [0, 0, 0],
      Z: [0, 0],
      Q: [2, 3],
    },
  );
  const out = carryWindow(prev, prevStore, next, 0);

  it('state follows coordinates: rows 0..1 carried, row 3 fresh', () => {
    // flat 1 = row 0 col 1 -> slice element 1; flat 4 = row 1 col 1 -> 4; flat 10 = row 3 (frozen)
    expect(Array.from(out.get('P#mask[3]:m')!)).toEqual([1.5, 4.5, 0]);
  });

  it('values: the masked base is the current full value, deltas start at 0', () => {
    expect(Array.from(out.get('P')!)).toEqual(seq(12, (i) => 10 + i));
    expect(Array.from(out.get('P#mask[3]')!)).toEqual([0, 0, 0]);
  });

  it('a tensor leaving the set keeps its trained value; a re-initialised one takes the new init', () => {
    expect(Array.from(out.get('Z')!)).toEqual([7, 8]);
    expect(Array.from(out.get('Q')!)).toEqual([2, 3]);
  });
});

describe('TrackedMap', () => {
  it('computes on first read and records the keys read', () => {
    let calls = 0;
    const m = new TrackedMap(
      [],
      () => (
        calls++,
        new Map([
          ['a', Float32Array.of(1)],
          ['b', Float32Array.of(2)],
        ])
      ),
    );
    expect(calls).toBe(0);
    expect(m.computed).toBe(false);
    expect(m.get('a')).toEqual(Float32Array.of(1));
    expect(m.has('c')).toBe(false);
    expect(calls).toBe(1);
    expect([...m.readEntries().keys()]).toEqual(['a']);
    const w = new TrackedMap([
      ['x', Float32Array.of(3)],
      ['y', Float32Array.of(4)],
    ]);
    expect([...w].length).toBe(2); // iteration (host evaluation) reads every entry
    expect([...w.readEntries().keys()]).toEqual(['x', 'y']);
    const none = new TrackedMap();
    expect([...none]).toEqual([]); // iterating an empty map still counts as reading it
    expect(none.listed).toBe(true);
  });
});

describe('train(reselect_every:)', () => {
  const text = (train: string) => `import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.spiel
recipe r {
  model = gpt2(vocab: 256, ctx: 8, d: 8, heads: 2, layers: 1)
  data = text("${join(process.cwd(), 'examples/data/corpus.txt')}") |> tokenize("bytes") |> chunks(seq: 8) |> batch(2)
  apply spiel(density: 0.05, targets: "blocks.0.mlp.fc.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(${train})
}`;

  it('is checked by `ftl check`', () => {
    const file = join(process.cwd(), 'examples/inline.ftl');
    expect(checkSource(text('steps: 4, reselect_every: 2, reselect_batches: 1'), file).diagnostics).toEqual(
      [],
    );
    const bad = checkSource(text('steps: 4, reselect_every: "2", reselect_evry: 3'), file).diagnostics;
    expect(bad.map((d) => d.code)).toEqual(['FTL0305', 'FTL0302']);
  });

  it('a selection that reads nothing (LoRA) is not recompiled: the run equals one without', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ftl-reselect-'));
    const lora = (train: string) => {
      const file = join(d, `${train.length}.ftl`);
      writeFileSync(
        file,
        text(train)
          .replace('import std.methods.spiel', 'import std.methods.lora')
          .replace(/apply spiel\(.*\)/, 'apply lora(r: 2)'),
      );
      return file;
    };
    const a = await runRecipe(lora('steps: 4, log_every: 1, reselect_every: 2'), { device: 'cpu' });
    const b = await runRecipe(lora('steps: 4, log_every: 1'), { device: 'cpu' });
    expect(a.ok && b.ok, JSON.stringify([...a.diagnostics, ...b.diagnostics])).toBe(true);
    expect(a.reselections).toEqual([]);
    expect(a.loop!.losses).toEqual(b.loop!.losses);
  });

  it('compileAtStart compiles a first SpIEL selection (plain compile lacks the gradients)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ftl-reselect-')), 'r.ftl');
    writeFileSync(file, text('steps: 2'));
    const c = compileAtStart(readFileSync(file, 'utf8'), file, {});
    expect(c.diagnostics).toEqual([]);
    const leaves = c.build!.params.filter((p) => p.trainable).map((p) => p.name);
    expect(leaves).toEqual([`blocks.0.mlp.fc.weight#mask[${Math.round(0.05 * 32 * 8)}]`]);
  });

  it('a negative interval is a diagnostic', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ftl-reselect-')), 'r.ftl');
    writeFileSync(file, text('steps: 2, reselect_every: -1'));
    const r = await runRecipe(file, { device: 'cpu' });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FTL0401']);
  });
});
