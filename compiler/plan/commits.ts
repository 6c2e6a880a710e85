// Update reordering on the Plan (PockEngine; torchtune's optimizer-in-backward): commit each
// update as soon as it is safe, instead of all at the end of the step.
//
// lowerToPlan computes each update's new value into a temporary and copies it onto the
// parameter (or optimizer-state) buffer. The copy may move up to just after the last step
// that touches the target's old value or the new value's producer:
//   p = max(dispatch writing the value, every dispatch reading the target buffer)
// Nothing after p reads the old target, so the step still means "all updates see the old
// values" (compiler/ir/graph.ts). The value temp then dies at the copy rather than at the end
// of the step, so the memory planner (arena.ts) can reuse its bytes — with the update kernels
// placed right after their gradients (pack.ts `early`), gradient and new-value buffers live
// only briefly.

import type { Plan, PlanStep } from './plan.ts';

export function hoistCommits(plan: Plan): Plan {
  const steps = plan.step;
  const firstCopy = steps.findIndex((s) => s.op === 'copy');
  if (firstCopy < 0) return plan;
  const dispatches = steps.slice(0, firstCopy);
  const copies = steps.slice(firstCopy) as Extract<PlanStep, { op: 'copy' }>[];
  // Snapshot copies (a leaf-valued update goes through a temp first) stay at the end: they
  // read a parameter buffer that another commit may overwrite.
  const snapshots = new Set(copies.filter((c) => plan.buffers[c.dst].role === 'temp').map((c) => c.dst));
  const lastTouch = (buffer: number, write: boolean): number => {
    let at = -1;
    dispatches.forEach((s, i) => {
      if (s.op !== 'dispatch') return;
      const touches = plan.kernels[s.kernel].bindings.some(
        (b) => b.buffer === buffer && (write ? b.access === 'read_write' : true),
      );
      if (touches) at = i;
    });
    return at;
  };
  const after = new Map<number, PlanStep[]>(); // dispatch index -> copies right after it
  const tail: PlanStep[] = [];
  for (const c of copies) {
    if (snapshots.has(c.dst) || snapshots.has(c.src)) {
      tail.push(c);
      continue;
    }
    const p = Math.max(lastTouch(c.src, true), lastTouch(c.dst, false));
    (after.get(p) ?? after.set(p, []).get(p)!).push(c);
  }
  const step: PlanStep[] = [...(after.get(-1) ?? [])];
  dispatches.forEach((s, i) => step.push(s, ...(after.get(i) ?? [])));
  step.push(...tail);
  return { ...plan, step };
}
