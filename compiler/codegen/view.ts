// Views: a chain of `reshape` / `permute` over a materialized f32 buffer, described exactly
// as, per view axis, a list of (size, stride) sub-axes (outer to inner, mixed radix), so a
// view element's buffer index is a sum of one term per axis. Attention's merged heads,
//   reshape(permute(o [B, H, T, Dh], [0, 2, 1, 3]), [B*T, H*Dh]),
// is axis 0 = (B, H*T*Dh)(T, Dh), axis 1 = (H, T*Dh)(Dh, 1): not a strided view, but its last
// axis is contiguous in runs of Dh. `vec4View` rescales a view to vec4 units along its last
// axis when every run of 4 there is contiguous and aligned, so matmul templates can load it
// as array<vec4<f32>> (matmul-vec4.ts).
//
// A reshape that would split a sub-axis unevenly (sizes 6 -> 4 x ..) gives no view.

import type { Node } from '../ir/node.ts';
import { add, mulC, strides } from './index-math.ts';

export interface SubAxis {
  readonly size: number;
  readonly stride: number;
}

export interface View {
  /** The materialized buffer. */
  readonly buf: Node;
  /** Per view axis, its sub-axes outer to inner (empty for a size-1 axis). */
  readonly axes: readonly (readonly SubAxis[])[];
}

/** `n` as a view of a materialized f32 buffer, if it is one. */
export function viewOf(n: Node, mat: (n: Node) => boolean): View | undefined {
  if (mat(n)) {
    if (n.dtype !== 'f32') return undefined;
    const st = strides(n.shape);
    return { buf: n, axes: n.shape.map((s, i) => (s === 1 ? [] : [{ size: s, stride: st[i] }])) };
  }
  if (n.op === 'permute') {
    const v = viewOf(n.src[0], mat);
    const perm = (n.arg as { perm: readonly number[] }).perm;
    return v && { buf: v.buf, axes: perm.map((p) => v.axes[p]) };
  }
  if (n.op === 'reshape') {
    const v = viewOf(n.src[0], mat);
    return v && reshapeView(v, n.shape);
  }
  return undefined;
}

function reshapeView(v: View, shape: readonly number[]): View | undefined {
  const subs = v.axes.flat().filter((s) => s.size > 1);
  const axes: SubAxis[][] = [];
  let k = 0;
  for (const size of shape) {
    const axis: SubAxis[] = [];
    let need = size;
    while (need > 1) {
      const s = subs[k];
      if (!s) return undefined;
      if (s.size <= need) {
        if (need % s.size !== 0) return undefined;
        axis.push(s);
        need /= s.size;
        k++;
      } else {
        // Split s: its outer `need` part goes to this axis, the inner part stays.
        if (s.size % need !== 0) return undefined;
        const inner = s.size / need;
        axis.push({ size: need, stride: s.stride * inner });
        subs[k] = { size: inner, stride: s.stride };
        need = 1;
      }
    }
    axes.push(merge(axis));
  }
  return k === subs.length ? { buf: v.buf, axes } : undefined;
}

/** Adjacent sub-axes that are one contiguous run merged (outer stride = inner size * stride). */
function merge(axis: SubAxis[]): SubAxis[] {
  const out: SubAxis[] = [];
  for (const s of axis) {
    const last = out[out.length - 1];
    if (last && last.stride === s.size * s.stride)
      out[out.length - 1] = { size: last.size * s.size, stride: s.stride };
    else out.push(s);
  }
  return out;
}

/**
 * The view in vec4 units along its last axis (that axis' size / 4), or undefined unless
 * every aligned run of 4 along it is contiguous and 4-aligned in the buffer: its innermost
 * sub-axis has stride 1 and a size divisible by 4, and every other stride is a multiple of 4.
 */
export function vec4View(v: View): View | undefined {
  const r = v.axes.length;
  const last = v.axes[r - 1];
  const inner = last[last.length - 1];
  if (!inner || inner.stride !== 1 || inner.size % 4 !== 0) return undefined;
  const others = v.axes.flatMap((a, i) => (i === r - 1 ? a.slice(0, -1) : a));
  if (others.some((s) => s.stride % 4 !== 0)) return undefined;
  const q = (s: SubAxis): SubAxis => ({ size: s.size, stride: s.stride / 4 });
  return {
    buf: v.buf,
    axes: v.axes.map((a, i) =>
      i === r - 1 ? [...a.slice(0, -1).map(q), { size: inner.size / 4, stride: 1 }] : a.map(q),
    ),
  };
}

/** The buffer-index term of view axis `axis` at index expression `d` (a WGSL i32). */
export function axisTerm(v: View, axis: number, d: string): string {
  const subs = v.axes[axis];
  let term = '0';
  let inner = subs.reduce((a, s) => a * s.size, 1);
  const dd = /^[A-Za-z0-9_]+$/.test(d) ? d : `(${d})`;
  subs.forEach((s, j) => {
    inner /= s.size;
    const q = inner === 1 ? dd : `(${dd} / ${inner})`;
    const m = j === 0 ? q : `(${q} % ${s.size})`;
    term = add(term, mulC(m, s.stride));
  });
  return term;
}

/** Whether the view is its buffer in plain row-major order (every term is index * stride). */
export const isPlain = (v: View): boolean => v.axes.every((a) => a.length <= 1);
