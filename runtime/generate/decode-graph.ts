// The graphs generation runs, traced from a recipe's `model = ...` / `apply ...` statements
// through the ordinary forward machinery (runtime/export/model-source.ts):
//
//   decodeGraph(source, file, maxT, { chunk?, slot? }) -> one decode step with a KV cache:
//     inputs  tokens i32[1, C] (C = chunk, default 1), pos i32[] (the first token's position),
//             slot i32[] (only with `slot: true`: the cache row of the first token; otherwise
//             the row is `pos`)
//     outputs logits f32[V] (C = 1) or f32[C, V] (the next-token distribution after each)
//     updates kv_cache.N / kv_retain.N (keys/values, retention scores written at rows
//             slot..slot+C-1); `retain` groups each kv_retain leaf with the kv_cache leaves
//             traced since the previous one (its attention's keys and values)
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
  /** Retention-score leaves and the cache leaves they score (models with kv_retain only). */
  readonly retain?: readonly RetainGroup[];
}

export interface RetainGroup {
  /** `kv_retain.N`: [1, maxT, H] scores per cache row and head. */
  readonly score: string;
  /** `kv_cache.M` leaves ([1, H, maxT, dh]) of the same attention. */
  readonly caches: readonly string[];
}

/** Group each kv_retain leaf with the kv_cache leaves traced since the previous one. */
function retainGroups(caches: DecodeState['caches']): RetainGroup[] | undefined {
  const groups: RetainGroup[] = [];
  let pending: string[] = [];
  for (const u of caches) {
    const name = (u.target.arg as { name: string }).name;
    if (name.startsWith('kv_retain.')) {
      groups.push({ score: name, caches: pending });
      pending = [];
    } else pending.push(name);
  }
  return groups.length ? groups : undefined;
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

export interface DecodeOptions {
  /** Tokens per step (a prompt chunk); default 1. */
  readonly chunk?: number;
  /** Give the graph a `slot` input (the cache row) apart from `pos` (needed for eviction). */
  readonly slot?: boolean;
}

/** One cached decode step of `chunk` tokens over a cache of `maxT` rows. */
export function decodeGraph(source: string, file: string, maxT: number, o: DecodeOptions = {}): Built {
  const C = o.chunk ?? 1;
  const state: DecodeState = {
    pos: T.input('pos', [], 'i32'),
    ...(o.slot ? { slot: T.input('slot', [], 'i32') } : {}),
    maxT,
    caches: [],
  };
  const m = readModel(source, file, { setup: (s) => setDecode(s.ctx, state) });
  if (!m.ok) return m;
  const tokens = T.input('tokens', [1, C], 'i32');
  const out = (l: Node) => (C === 1 ? T.reshape(l, [l.shape[2]]) : T.reshape(l, [C, l.shape[2]]));
  const built = trace(m.value, tokens, out, state.caches);
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
  if (!built.ok) return built;
  const retain = retainGroups(state.caches);
  return retain ? { ok: true, value: { ...built.value, retain } } : built;
}

/** The uncached forward over L tokens: logits f32[L, V]. */
export function fullGraph(source: string, file: string, L: number): Built {
  const m = readModel(source, file);
  if (!m.ok) return m;
  return trace(m.value, T.input('tokens', [1, L], 'i32'), (l) => T.reshape(l, [L, l.shape[2]]), []);
}
