// Lowering an `optimizer` declaration into the training IR's updates.
//
// For every trainable parameter leaf the optimizer body is traced once, with
//   param  the leaf (f32[...]),   grad  its gradient (same shape),
//   step   the 1-based step number as an f32 scalar,  and the optimizer's hyper-parameters.
// `state m = init` makes a persistent `param` leaf with role 'state' named `<leaf>:m`,
// shaped like the leaf (so a row-sliced parameter has state for its trainable rows only);
// `update { ... }` runs as ordinary statements; whatever `param` and each state name hold at
// the end becomes the leaf's and the state's update.
// A state's initial value must be a constant (`zeros_like(param)`) or the parameter itself
// (`state w0 = param`, for methods that regularise toward the start point).

import type * as A from '../../grammar/ast.ts';
import type { Update } from '../ir/graph.ts';
import { mk, type Node } from '../ir/node.ts';
import type { InitSpec } from '../elaborate/tree.ts';
import { TraceCodes } from '../trace/errors.ts';
import { bindFormals, err, type Interp } from '../trace/interp.ts';
import { isTensor, typeName, type AppliedV, type Value } from '../trace/values.ts';

export interface StateInit {
  readonly kind: 'copy';
  /** The leaf whose initial value the state starts from. */
  readonly from: string;
}

export interface StateLeaf {
  readonly name: string;
  readonly of: string;
  readonly shape: readonly number[];
  readonly init: InitSpec | StateInit;
}

export interface TrainableLeaf {
  readonly node: Node<'param'>;
  readonly grad: Node;
}

export function lowerOptimizer(
  opt: AppliedV,
  leaves: readonly TrainableLeaf[],
  step: Node,
  it: Interp,
  span: A.Span,
): { updates: Update[]; states: StateLeaf[] } {
  const decl = opt.decl.decl;
  if (decl.kind !== 'OptimizerDecl')
    err(TraceCodes.badArgument, `\`optim\` must be an optimizer, got ${typeName(opt)}`, span);
  const updates: Update[] = [];
  const states: StateLeaf[] = [];
  const stepF = mk('cast', [step], { to: 'f32' }, { span });
  for (const leaf of leaves) {
    const name = leaf.node.arg.name;
    const scope = opt.decl.scope.child();
    bindFormals(
      decl.params.map((f) => ({ name: f.name.name, default: f.default })),
      { positional: [], named: opt.args, span },
      scope,
      it,
      decl.name.name,
    );
    scope.define('param', leaf.node);
    scope.define('grad', leaf.grad);
    scope.define('step', stepF);
    const stateNodes = new Map<string, Node<'param'>>();
    it.withStmtHook(
      (s, sc, itp) => {
        if (s.kind === 'StateDecl') {
          const init = stateInit(itp.eval(s.value, sc), leaf.node, s.value.span);
          const sname = `${name}:${s.name.name}`;
          const node = mk(
            'param',
            [],
            { name: sname, role: 'state' },
            { shape: leaf.node.shape, dtype: 'f32', span: s.span },
          );
          states.push({ name: sname, of: name, shape: leaf.node.shape, init });
          stateNodes.set(s.name.name, node);
          sc.define(s.name.name, node);
          return true;
        }
        if (s.kind === 'UpdateBlock') {
          itp.execStmts(s.body.stmts, sc);
          return true;
        }
        return false;
      },
      () => it.execStmts(decl.body.stmts, scope),
    );
    const final = (v: Value | undefined, what: string): Node => {
      if (v === undefined) return err(TraceCodes.badArgument, `${what} is undefined after the update`, span);
      const n = isTensor(v) ? v : mk('const', [], { value: Number(v) }, { shape: leaf.node.shape });
      if (n.shape.join() !== leaf.node.shape.join())
        err(
          TraceCodes.shapeMismatch,
          `the update of ${what} has shape [${n.shape}] but ${name} is [${leaf.node.shape}]`,
          span,
        );
      return n.dtype === 'f32' ? n : mk('cast', [n], { to: 'f32' });
    };
    for (const [sn, node] of stateNodes) {
      const v = final(scope.lookup(sn), `state \`${sn}\``);
      if (v !== node) updates.push({ target: node, value: v });
    }
    const p = final(scope.lookup('param'), '`param`');
    if (p !== leaf.node) updates.push({ target: leaf.node, value: p });
  }
  return { updates, states };
}

function stateInit(v: Value, param: Node<'param'>, span: A.Span): InitSpec | StateInit {
  if (typeof v === 'number') return { kind: 'const', value: v };
  if (isTensor(v)) {
    if (v === param) return { kind: 'copy', from: param.arg.name };
    if (v.op === 'const')
      return (v as Node<'const'>).arg.value === 0
        ? { kind: 'zeros' }
        : { kind: 'const', value: (v as Node<'const'>).arg.value };
  }
  return err(
    TraceCodes.unsupported,
    'an optimizer state must start as a constant (zeros_like(param)) or as `param`',
    span,
  );
}
