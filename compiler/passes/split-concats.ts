// Wide concats as trees, so fusion can respect the device's binding limit.
//
// A kernel that reads a concat binds every piece (movement is folded into indexing), and a
// device binds at most maxStorageBuffersPerShaderStage buffers per kernel, the output
// included: WebGPU's default is 8. A concat of more pieces than that could never be read by
// one kernel, and materializing it would not help either (its own kernel binds them all).
// This pass rewrites concat(x1..xn) along axis a, for n > k, into concat of concats of at
// most k pieces each (recursively), so fuse.ts can materialize the groups that fit.
//
//   concat([x1..x9], a), k = 6  ->  concat([concat([x1..x6], a), concat([x7..x9], a)], a)

import type { Graph } from '../ir/graph.ts';
import { mk, type Node } from '../ir/node.ts';
import type { ArgOf } from '../ir/ops.ts';
import { rewrite } from '../ir/rewrite.ts';

export function splitWideConcats(g: Graph, maxPieces: number): Graph {
  const k = Math.max(2, maxPieces);
  return rewrite(g, {
    concat: [
      (n) => {
        if (n.src.length <= k) return undefined;
        const { axis } = n.arg as ArgOf<'concat'>;
        const groups: Node[] = [];
        for (let i = 0; i < n.src.length; i += k) {
          const part = n.src.slice(i, i + k);
          if (part.length === 1) {
            groups.push(part[0]);
            continue;
          }
          const shape = [...part[0].shape];
          shape[axis] = part.reduce((a, s) => a + s.shape[axis], 0);
          groups.push(mk('concat', part, { axis }, { shape, dtype: n.dtype, span: n.span }));
        }
        return mk('concat', groups, { axis }, { shape: n.shape, dtype: n.dtype, span: n.span });
      },
    ],
  });
}
