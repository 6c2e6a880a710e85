// What a fine-tuning method saves: the same recipe compiled without its `apply` statements
// (full fine-tuning of the same model, same data, loss and optimizer), compared with the
// method's graph. `ftl compile --report` prints it as the "vs full FT" lines.
//
// Backward FLOPs, gradient and optimizer-state bytes come from both training graphs;
// activations from the schedule's live-bytes estimate for both (like with like: the full
// baseline is not lowered to a Plan).

import { compile, type Compiled } from '../compile.ts';
import { hasErrors } from '../diagnostics/diagnostic.ts';
import { compileReport, versusFull, type CompileReport, type FullBaseline } from './report.ts';
import { peakTemporaryBytes } from './schedule.ts';

/**
 * `c` is the method's compile result (with graph and schedule). Undefined when the recipe
 * applies no method (the baseline trains the same tensors with the same backward) or the
 * baseline does not compile (a method that supplies the loss or the optimizer has no
 * method-free twin).
 */
export function fullBaseline(
  source: string,
  file: string,
  c: Compiled,
  opts: { recipe?: string; stage?: string; report?: CompileReport } = {},
): FullBaseline | undefined {
  if (!c.graph || !c.schedule || !c.trainIR) return undefined;
  // FLOPs, parameters and state do not depend on the Plan: a caller's report is reused.
  const method = opts.report ?? compileReport(c.trainIR, c.graph, c.schedule);
  const { recipe, stage } = opts;
  const base = compile(source, file, { recipe, stage, methods: false, skipCheck: true });
  if (hasErrors(base.diagnostics) || !base.graph || !base.schedule) return undefined;
  const full = compileReport(base.trainIR!, base.graph, base.schedule);
  const key = (r: typeof full) =>
    JSON.stringify([r.params, r.flops, r.bytes.optimizerState, r.nodes.optimized]);
  const same = key(full) === key(method);
  return same ? undefined : versusFull(method, full, peakTemporaryBytes(c.graph, c.schedule));
}
