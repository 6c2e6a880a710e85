// The graphs generation runs, traced from a recipe's `model = ...` / `apply ...` statements
// through the ordinary forward machinery (runtime/export/model-source.ts):
//
//   decodeGraph(source, file, maxT) -> one decode step with a KV cache:
//     inputs  tokens i32[1, 1] (the current token), pos i32[] (its position, 0-based)
//     outputs logits f32[V]    (the next-token distribution after it)
//     updates kv_cache.N       (each attention's keys/values written at row `pos`)
//   fullGraph(source, file, L)  -> the whole forward over tokens i32[1, L]: logits f32[L, V]
//     (no cache; the oracle the cached decoder is tested against, and a fallback)
// Both carry `values`: every model parameter leaf's value (checkpoint weights or init).
// The KV cache is the language's kv_cache/positions feature (compiler/trace/decode.ts): the
// model's own forward, traced with a decode state on the session's context.

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../compiler/diagnostics/span.ts';
import { initParams } from '../../compiler/elaborate/init.ts';
import type { ModelTree } from '../../compiler/elaborate/tree.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import type { Node } from '../../compiler/ir/node.ts';
import { verify } from '../../compiler/ir/verify.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { setDecode, type DecodeState } from '../../compiler/trace/decode.ts';
import { TraceError, toDiagnostic } from '../../compiler/trace/errors.ts';
import * as T from '../../compiler/trace/tensor.ts';
import { readModel, type ModelSource } from '../export/model-source.ts';

export interface ModelGraph {
  readonly graph: Graph;
  readonly tree: ModelTree;
  /** Model parameter leaves -> values (the cache leaves are not here: they start at zero). */
  readonly values: Map<string, Float32Array>;
  readonly vocab: number;
}

type Built = { ok: true; value: ModelGraph } | { ok: false; diagnostics: Diagnostic[] };

function trace(
  m: ModelSource,
  tokens: Node,
  shapeOut: (logits: Node) => Node,
  updates: DecodeState['caches'],
): Built {
  const { session: s, tree } = m;
  const span = (tree.root.decl as { span: Span }).span;
  try {
    const v = s.it.call(
      { kind: 'module', inst: tree.root },
      { positional: [tokens], named: new Map(), span },
    );
    const logits = s.it.tensor(v, span);
    if (logits.shape.length !== 3)
      return {
        ok: false,
        diagnostics: [
          {
            code: 'FTL0760',
            severity: 'error',
            message: `generation needs a model whose forward gives logits [B, T, V], got [${logits.shape}]`,
          },
        ],
      };
    const vocab = logits.shape[2];
    let graph: Graph = { outputs: { logits: shapeOut(logits) }, updates: [...updates] };
    graph = simplify(graph);
    verify(graph, 'decode-graph');
    return { ok: true, value: { graph, tree, values: initParams(tree.root, 0), vocab } };
  } catch (e) {
    if (e instanceof TraceError) return { ok: false, diagnostics: [toDiagnostic(e)] };
    throw e;
  }
}

/** One cached decode step for sequences of up to `maxT` tokens. */
export function decodeGraph(source: string, file: string, maxT: number): Built {
  const state: DecodeState = { pos: T.input('pos', [], 'i32'), maxT, caches: [] };
  const m = readModel(source, file, { setup: (s) => setDecode(s.ctx, state) });
  if (!m.ok) return m;
  const tokens = T.input('tokens', [1, 1], 'i32');
  const built = trace(m.value, tokens, (l) => T.reshape(l, [l.shape[2]]), state.caches);
  if (built.ok && state.caches.length === 0)
    return {
      ok: false,
      diagnostics: [
        {
          code: 'FTL0760',
          severity: 'error',
          message: 'the model has no kv_cache(...) in its attention, so it cannot decode incrementally',
          hint: 'use fullGraph (no cache), or call kv_cache(k) / kv_cache(v) in the attention function',
        },
      ],
    };
  return built;
}

/** The uncached forward over L tokens: logits f32[L, V]. */
export function fullGraph(source: string, file: string, L: number): Built {
  const m = readModel(source, file);
  if (!m.ok) return m;
  return trace(m.value, T.input('tokens', [1, L], 'i32'), (l) => T.reshape(l, [L, l.shape[2]]), []);
}
