// Emits the WGSL statements that compute one IR node's value at one index, inlining every
// node that is not materialized in a buffer: elementwise ops through the op table, movement
// ops (reshape/permute/expand/slice/pad/concat) as index arithmetic, gather as an indirect
// index, const/iota/rand as pure functions of the index, a reduction (only where a kernel
// fuses one) as a loop. Materialized nodes are loaded from
// their storage binding, which the kernel context registers on first use.
//
// Values are bound to `let`s and memoized per (node, index) within a scope; a child scope
// (the body of a loop or an `if`) sees its parents' values but keeps its own to itself.

import type { Node } from '../ir/node.ts';
import type { DType } from '../ir/ops.ts';
import { add, addC, dimsOfFlat, flatOfDims, type Ix } from './index-math.ts';
import { POW_HELPERS, elementwiseExpr, literal, wgslType } from './wgsl-values.ts';
import { RAND_HELPERS, randExpr } from './rand.ts';
import { reduceLoop } from './reduce-loop.ts';
import { boolReadPlaceholder } from './bool-layout.ts';
import { OpGroup } from '../ir/ops.ts';

/** What a kernel under construction offers the emitter. */
export interface KernelContext {
  /** The binding variable of a materialized node (registered as a read binding), or undefined. */
  bufferOf(n: Node): string | undefined;
  /** Helper functions the kernel must include (pow, rand). */
  readonly helpers: Set<string>;
  /** Fresh-name counter shared by all scopes of one kernel. */
  counter: { n: number };
}

export class Emitter {
  readonly lines: string[] = [];
  private readonly memo = new Map<string, string>();

  constructor(
    readonly ctx: KernelContext,
    readonly indent = '  ',
    private readonly parent?: Emitter,
  ) {}

  child(): Emitter {
    return new Emitter(this.ctx, this.indent + '  ', this);
  }

  /** A new name; the `_` keeps it clear of WGSL's type names (`f32`, `i32`, `u32`...). */
  fresh(prefix: string): string {
    return `${prefix}_${this.ctx.counter.n++}`;
  }

  line(s: string): void {
    this.lines.push(this.indent + s);
  }

  /** Append a child scope's lines (already indented) into this scope. */
  splice(c: Emitter): void {
    this.lines.push(...c.lines);
  }

  /** Bind `expr` to a fresh `let` unless it is already a name or literal. */
  bind(expr: string, prefix = 't'): string {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) || /^-?\d+i?$/.test(expr)) return expr;
    const key = `=${expr}`;
    const hit = this.lookup(key);
    if (hit) return hit;
    const name = this.fresh(prefix);
    this.line(`let ${name} = ${expr};`);
    this.memo.set(key, name);
    return name;
  }

  private lookup(key: string): string | undefined {
    return this.memo.get(key) ?? this.parent?.lookup(key);
  }

  flat(ix: Ix): string {
    return ix.flat ?? this.bind(flatOfDims(ix.dims!, ix.shape), 'f');
  }

  dims(ix: Ix): readonly string[] {
    return ix.dims ?? dimsOfFlat(ix.flat!, ix.shape).map((d) => this.bind(d, 'd'));
  }

  /** Declare that `n`'s value at `ix` is `v` (a matmul accumulator feeding an epilogue). */
  preset(n: Node, ix: Ix, v: string): void {
    this.memo.set(`${n.id}@${ix.flat ?? ''}|${ix.dims?.join(',') ?? ''}`, v);
  }

  /** A WGSL expression (a name or literal) for `n`'s value at `ix`. `root`: ignore n's own buffer. */
  value(n: Node, ix: Ix, root = false): string {
    const buf = root ? undefined : this.ctx.bufferOf(n);
    const key = `${n.id}@${ix.flat ?? ''}|${ix.dims?.join(',') ?? ''}`;
    const hit = this.lookup(key);
    if (hit) return hit;
    const v = buf !== undefined ? this.load(n, buf, ix) : this.compute(n, ix);
    this.memo.set(key, v);
    return v;
  }

  /** A bool's layout (i32 0/1 or packed bits) is settled by the kernel builder: a placeholder here. */
  private load(n: Node, buf: string, ix: Ix): string {
    if (n.dtype === 'bool') return this.bind(boolReadPlaceholder(buf, this.bind(this.flat(ix), 'f')), 'v');
    return this.bind(`${buf}[${this.flat(ix)}]`, 'v');
  }

  private compute(n: Node, ix: Ix): string {
    if (OpGroup.Elementwise.has(n.op)) {
      const a = n.src.map((s) => this.value(s, ix));
      if (n.op === 'pow') this.ctx.helpers.add(POW_HELPERS);
      return this.bind(elementwiseExpr(n, a), 'v');
    }
    switch (n.op) {
      case 'const':
        return literal((n.arg as { value: number }).value, n.dtype);
      case 'iota': {
        const i = this.dims(ix)[(n.arg as { axis: number }).axis];
        return n.dtype === 'i32'
          ? i
          : this.bind(n.dtype === 'bool' ? `(${i} != 0)` : `${wgslType(n.dtype)}(${i})`);
      }
      case 'rand': {
        const { dist, stream } = n.arg as { dist: 'uniform' | 'normal'; stream: number };
        const seed = this.value(n.src[0], { shape: [], flat: '0', dims: [] });
        this.ctx.helpers.add(RAND_HELPERS);
        return this.bind(randExpr(dist, seed, stream, this.flat(ix)), 'v');
      }
      case 'reshape':
        return this.value(n.src[0], { shape: n.src[0].shape, flat: this.flat(ix) });
      case 'permute': {
        const d = this.dims(ix);
        const perm = (n.arg as { perm: readonly number[] }).perm;
        const s = new Array<string>(perm.length);
        perm.forEach((p, i) => (s[p] = d[i]));
        return this.value(n.src[0], { shape: n.src[0].shape, dims: s });
      }
      case 'expand': {
        const d = this.dims(ix);
        const from = n.src[0].shape;
        return this.value(n.src[0], { shape: from, dims: d.map((x, i) => (from[i] === 1 ? '0' : x)) });
      }
      case 'slice': {
        const d = this.dims(ix);
        const starts = (n.arg as { starts: readonly number[] }).starts;
        return this.value(n.src[0], { shape: n.src[0].shape, dims: d.map((x, i) => addC(x, starts[i])) });
      }
      case 'pad':
        return this.pad(n, ix);
      case 'concat':
        return this.concat(n, ix);
      case 'gather':
        return this.gather(n, ix);
      case 'reduce_sum':
      case 'reduce_max':
        // Only a kernel that fuses a reduction (row-kernel.ts) gets here, and it presets
        // the value at the index it uses; any other index is still computed correctly.
        return this.bind(reduceLoop(this, n, this.dims(ix)), 'v');
    }
    throw new Error(`emitter: ${n.op} node %${n.id} must be materialized before use`);
  }

  /** Zero outside the source's range; the source is read only inside it. */
  private pad(n: Node, ix: Ix): string {
    const d = this.dims(ix);
    const src = n.src[0];
    const { before, after } = n.arg as { before: readonly number[]; after: readonly number[] };
    const sd = d.map((x, i) => this.bind(addC(x, -before[i]), 'd'));
    const conds: string[] = [];
    sd.forEach((x, i) => {
      if (before[i] > 0) conds.push(`${x} >= 0`);
      if (after[i] > 0) conds.push(`${x} < ${src.shape[i]}`);
    });
    if (!conds.length) return this.value(src, { shape: src.shape, dims: sd });
    const out = this.fresh('p');
    this.line(`var ${out}: ${wgslType(n.dtype)} = ${literal(0, n.dtype)};`);
    this.line(`if (${conds.join(' && ')}) {`);
    const c = this.child();
    c.line(`${out} = ${c.value(src, { shape: src.shape, dims: sd })};`);
    this.splice(c);
    this.line('}');
    return out;
  }

  /** An if/else chain over the concat axis; each branch reads only its own operand. */
  private concat(n: Node, ix: Ix): string {
    const d = this.dims(ix);
    const axis = (n.arg as { axis: number }).axis;
    const out = this.fresh('c');
    this.line(`var ${out}: ${wgslType(n.dtype)};`);
    let offset = 0;
    n.src.forEach((s, k) => {
      const hi = offset + s.shape[axis];
      const cond = k === n.src.length - 1 ? '' : `if (${d[axis]} < ${hi}) `;
      this.line(`${k === 0 ? '' : '} else '}${cond}{`);
      const c = this.child();
      const sd = d.map((x, i) => (i === axis ? c.bind(addC(x, -offset), 'd') : x));
      c.line(`${out} = ${c.value(s, { shape: s.shape, dims: sd })};`);
      this.splice(c);
      offset = hi;
    });
    this.line('}');
    return out;
  }

  /** out[i..., r...] = table[idx[i...], r...]; indices are clamped into the table. */
  private gather(n: Node, ix: Ix): string {
    const [table, idx] = n.src;
    const d = this.dims(ix);
    const k = idx.shape.length;
    const row = this.value(idx, { shape: idx.shape, dims: d.slice(0, k) });
    const r = this.bind(`clamp(${row}, 0i, ${table.shape[0] - 1}i)`, 'g');
    return this.value(table, { shape: table.shape, dims: [r, ...d.slice(k)] });
  }
}

/** `value` converted to its i32 storage representation (bool -> i32 0/1; packed words: bool-layout.ts). */
export function toStorage(value: string, dtype: DType): string {
  return dtype === 'bool' ? `select(0i, 1i, ${value})` : value;
}

export { add };
