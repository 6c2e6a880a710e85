// The .ftl abstract syntax tree: the only view of a source file that code outside grammar/
// sees (no tokens, no CST). Every node has a `kind` (the discriminant) and a `span`.
//
// Shape of the tree:
//   Program ─ decls: Decl[]        top-level declarations, in source order
//           └ comments: Comment[]  every `//`, `/* */` and `///` comment, for formatters
// Bodies written `{ ... }` are a `Block` of `Stmt`s. Which statements are meaningful where
// (a `stage` only in a recipe, `state` only in an optimizer, ...) is the checker's business,
// except for three context-dependent readings made while building the AST:
//   - in a recipe or stage body, `key = value` is a `Field` and `train(...)` a `TrainStmt`;
//   - in a module or model body, `name = expr` and `name[count] = expr` are `SubmoduleDecl`s;
//   - everywhere else `target = value` (and `+=`, `-=`, `*=`, `/=`) is an `AssignStmt`.
// Bodies written `= expr` are kept as the bare `Expr` (`body: Expr | Block`).
//
// Parentheses leave no node: an expression written in `( )` has `parens: true`, and a printer
// re-inserts the ones precedence needs. Comments are not in the tree: `Program.comments`
// holds them all in source order with spans, for a formatter to re-attach.
//
// Nodes produced while recovering from a syntax error use `ErrorExpr` for missing
// expressions and an `Ident` with name `''` for missing names; their spans are still valid.
//
// `walk` visits every node; `childrenOf` lists a node's direct children in source order.

import type { Span } from '../compiler/diagnostics/span.ts';

export type { Span };

interface NodeBase {
  readonly span: Span;
}

// ─── names ────────────────────────────────────────────────────────────────────────────

/** A name at a declaration or binding site (not a reference: references are `Name`). */
export interface Ident extends NodeBase {
  readonly kind: 'Ident';
  readonly name: string;
}

// ─── comments ─────────────────────────────────────────────────────────────────────────

export interface Comment extends NodeBase {
  readonly kind: 'Comment';
  /** `line` = `// ...`, `block` = `/* ... *\/`, `doc` = `/// ...` */
  readonly style: 'line' | 'block' | 'doc';
  /** The full source text of the comment, markers included. */
  readonly text: string;
}

// ─── program and declarations ─────────────────────────────────────────────────────────

export interface Program extends NodeBase {
  readonly kind: 'Program';
  readonly decls: readonly Decl[];
  readonly comments: readonly Comment[];
}

export type Decl =
  | ImportDecl
  | ModuleDecl
  | ModelDecl
  | MethodDecl
  | LossDecl
  | OptimizerDecl
  | GradientDecl
  | ScheduleDecl
  | FnDecl
  | RecipeDecl
  | MergeDecl;

interface DeclBase extends NodeBase {
  /** Text of the `///` lines directly above, markers and one leading space stripped, joined by `\n`. */
  readonly doc?: string;
}

/**
 * `import std.methods.lora` or `import mylib.adapters as ad`. A path starting with `std`
 * names `stdlib/<rest>.ftl`; any other names `<rest>.ftl` beside the importing file.
 * The bound name is `alias` or else the last path segment.
 */
export interface ImportDecl extends DeclBase {
  readonly kind: 'ImportDecl';
  readonly path: readonly Ident[];
  readonly alias?: Ident;
}

/** A parameter in a declaration's signature: `name`, `name: type`, `name: type = default`. */
export interface Formal extends NodeBase {
  readonly kind: 'Formal';
  readonly name: Ident;
  readonly type?: TypeExpr;
  readonly default?: Expr;
}

/** `module linear(in: int, out: int) { param ...; sub = ...; forward(...) ... }` */
export interface ModuleDecl extends DeclBase {
  readonly kind: 'ModuleDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly body: Block;
}

/** `model gpt2(vocab: int, ...) { ... }`: like a module, and loadable from a checkpoint. */
export interface ModelDecl extends DeclBase {
  readonly kind: 'ModelDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly body: Block;
}

/** `method lora(r: int = 8, ...) { freeze all; for m: linear in modules(targets) { ... } }` */
export interface MethodDecl extends DeclBase {
  readonly kind: 'MethodDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly body: Block;
}

/** `loss causal_lm(model, batch) = expr` or `loss dpo(model, batch, beta: float = 0.1) { ... }` */
export interface LossDecl extends DeclBase {
  readonly kind: 'LossDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly returnType?: TypeExpr;
  readonly body: Expr | Block;
}

/** `optimizer adamw(lr: float = 1e-3, ...) { state m = ...; update { ... } }` */
export interface OptimizerDecl extends DeclBase {
  readonly kind: 'OptimizerDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly body: Block;
}

/** `gradient spsa(eps: float = 1e-3) { ...; grad = g * z }` */
export interface GradientDecl extends DeclBase {
  readonly kind: 'GradientDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly body: Block;
}

/** `schedule cosine(warmup: int = 0) = expr-over-step` (or a block with `return`). */
export interface ScheduleDecl extends DeclBase {
  readonly kind: 'ScheduleDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly returnType?: TypeExpr;
  readonly body: Expr | Block;
}

/**
 * `fn gelu(x: f32[...]) -> f32[...] = expr`, optionally with a custom backward rule:
 * `fn round_ste(x) = round(x) backward(g) = g`.
 */
export interface FnDecl extends DeclBase {
  readonly kind: 'FnDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly returnType?: TypeExpr;
  readonly body: Expr | Block;
  readonly backward?: BackwardRule;
}

/**
 * `backward(g) = expr` after a fn body: `params` name the upstream gradient(s) (one per
 * output); the body gives the gradient of each fn parameter (a list when there are several,
 * in parameter order). The fn's own parameters are in scope.
 */
export interface BackwardRule extends NodeBase {
  readonly kind: 'BackwardRule';
  readonly params: readonly Formal[];
  readonly body: Expr | Block;
}

/** `recipe quickstart { model = ...; data = ...; apply ...; stage s { ... }; train(...) }` */
export interface RecipeDecl extends DeclBase {
  readonly kind: 'RecipeDecl';
  readonly name: Ident;
  readonly body: Block;
}

/** `merge soup(checkpoints: [string], weights: [float]) = expr-over-checkpoints` */
export interface MergeDecl extends DeclBase {
  readonly kind: 'MergeDecl';
  readonly name: Ident;
  readonly params: readonly Formal[];
  readonly body: Expr | Block;
}

// ─── statements ───────────────────────────────────────────────────────────────────────

export interface Block extends NodeBase {
  readonly kind: 'Block';
  readonly stmts: readonly Stmt[];
}

export type Stmt =
  | LetStmt
  | AssignStmt
  | ExprStmt
  | ForStmt
  | IfStmt
  | ReturnStmt
  | FreezeStmt
  | ParamDecl
  | SubmoduleDecl
  | ForwardDecl
  | WrapStmt
  | MergeStmt
  | ApplyStmt
  | DropStmt
  | StateDecl
  | UpdateBlock
  | StageDecl
  | Field
  | TrainStmt;

/** `let x = expr` or `let x: f32[B, T] = expr` */
export interface LetStmt extends NodeBase {
  readonly kind: 'LetStmt';
  readonly name: Ident;
  readonly type?: TypeExpr;
  readonly value: Expr;
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=';

/** `x = b(x)`, `param -= lr * grad`, `loss += 0.1 * aux` (target: Name, Member or Index). */
export interface AssignStmt extends NodeBase {
  readonly kind: 'AssignStmt';
  readonly target: Expr;
  readonly op: AssignOp;
  readonly value: Expr;
}

/** An expression evaluated for its effect, e.g. a call. */
export interface ExprStmt extends NodeBase {
  readonly kind: 'ExprStmt';
  readonly expr: Expr;
}

/**
 * `for b in blocks { ... }`, `for m: linear in modules(targets) { ... }`,
 * `for round in 0 .. 3 { stage ... }` (an outer loop in a recipe).
 * `varType` filters/annotates the loop variable (modules of that kind only).
 */
export interface ForStmt extends NodeBase {
  readonly kind: 'ForStmt';
  readonly vars: readonly Ident[];
  readonly varType?: TypeExpr;
  readonly iterable: Expr;
  readonly body: Block;
}

export interface IfStmt extends NodeBase {
  readonly kind: 'IfStmt';
  readonly cond: Expr;
  readonly then: Block;
  readonly else?: Block | IfStmt;
}

export interface ReturnStmt extends NodeBase {
  readonly kind: 'ReturnStmt';
  readonly value?: Expr;
}

/**
 * `freeze all`, `unfreeze "**.bias"`, `unfreeze b[tensors] rows(0 .. ratio)`,
 * `unfreeze "**.weight" mask(m)`. `target` is absent for `all`. A string target is a
 * pattern over parameter names; `x[pattern]` restricts a pattern to module `x`.
 */
export interface FreezeStmt extends NodeBase {
  readonly kind: 'FreezeStmt';
  readonly action: 'freeze' | 'unfreeze';
  readonly target?: Expr;
  readonly selectors: readonly Selector[];
}

/**
 * A part of each matched parameter: `rows(a .. b)` / `cols(a .. b)` (a range of output /
 * input channels; float bounds in [0, 1] are fractions, ints are indices) or `mask(expr)`
 * (an element mask tensor of the parameter's shape).
 */
export interface Selector extends NodeBase {
  readonly kind: 'Selector';
  readonly axis: 'rows' | 'cols' | 'mask';
  readonly arg: Expr;
}

/**
 * A tensor parameter. In a module: `param weight: f32[out, in] init normal(std: 0.02)`.
 * In a method (adding a parameter to a matched module): `param m.lora_a: f32[r, m.in] ...`,
 * where `owner` is `m`. `trainable` is true/false when written `trainable`/`frozen`.
 * `when` is the `if cond` clause: the parameter exists only when cond holds.
 */
export interface ParamDecl extends NodeBase {
  readonly kind: 'ParamDecl';
  readonly owner?: Expr;
  readonly name: Ident;
  readonly type: TypeExpr;
  readonly init?: Expr;
  readonly trainable?: boolean;
  readonly when?: Expr;
}

/**
 * A child module. In a module/model body: `wte = embedding(vocab, d)` or
 * `blocks[layers] = block(d, heads)` (`count` copies, named `blocks.0` ...).
 * In a method (module insertion): `module m.adapter = bottleneck(m.out, 64)` with `owner` `m`.
 */
export interface SubmoduleDecl extends NodeBase {
  readonly kind: 'SubmoduleDecl';
  readonly owner?: Expr;
  readonly name: Ident;
  readonly count?: Expr;
  readonly value: Expr;
}

/** `forward(x: f32[..., in]) -> f32[..., out] = expr` or `{ ... return ... }` */
export interface ForwardDecl extends NodeBase {
  readonly kind: 'ForwardDecl';
  readonly params: readonly Formal[];
  readonly returnType?: TypeExpr;
  readonly body: Expr | Block;
}

/** `wrap m(x) = base(x) + ...`: replaces m's forward; `base` is the previous forward. */
export interface WrapStmt extends NodeBase {
  readonly kind: 'WrapStmt';
  readonly target: Expr;
  readonly params: readonly Formal[];
  readonly body: Expr | Block;
}

/** `merge m.weight += expr`: how to fold the method's parameters back into the base weights. */
export interface MergeStmt extends NodeBase {
  readonly kind: 'MergeStmt';
  readonly target: Expr;
  readonly op: AssignOp;
  readonly value: Expr;
}

/** `apply lora(r: 8, targets: "...")` or `apply bitfit` (then `args` is empty). */
export interface ApplyStmt extends NodeBase {
  readonly kind: 'ApplyStmt';
  readonly callee: Expr;
  readonly args: readonly Arg[];
}

/**
 * `drop lofit_scale` or `drop spdf_sparse merged`, in a stage: this stage and later ones no
 * longer apply the method (an earlier stage applied it). `merged`: its parameters are folded
 * into the base weights with the method's `merge` rules before the stage starts.
 */
export interface DropStmt extends NodeBase {
  readonly kind: 'DropStmt';
  readonly method: Expr;
  readonly merged: boolean;
}

/** `state m = zeros_like(param)`: per-parameter optimizer state. */
export interface StateDecl extends NodeBase {
  readonly kind: 'StateDecl';
  readonly name: Ident;
  readonly type?: TypeExpr;
  readonly value: Expr;
}

/** `update { ... }`: the elementwise rule run for every trainable parameter. */
export interface UpdateBlock extends NodeBase {
  readonly kind: 'UpdateBlock';
  readonly body: Block;
}

/** `stage sft { data = ...; train(steps: 200) }`: a stage of a recipe, run in order. */
export interface StageDecl extends NodeBase {
  readonly kind: 'StageDecl';
  readonly name: Ident;
  readonly body: Block;
}

/** `model = gpt2.load("...")` inside a recipe or stage: a recipe key. */
export interface Field extends NodeBase {
  readonly kind: 'Field';
  readonly key: Ident;
  readonly value: Expr;
}

/** `train(steps: 300, log_every: 10)` inside a recipe or stage. */
export interface TrainStmt extends NodeBase {
  readonly kind: 'TrainStmt';
  readonly args: readonly Arg[];
}

// ─── expressions ──────────────────────────────────────────────────────────────────────

interface ExprBase extends NodeBase {
  /** Written inside `( )` (the span is the inner expression's). Printers may keep such parens. */
  readonly parens?: true;
}

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | Name
  | Member
  | Index
  | Call
  | Binary
  | Unary
  | Transpose
  | Pipe
  | Lambda
  | ListLit
  | RecordLit
  | Range
  | Comprehension
  | ErrorExpr;

export interface NumberLit extends ExprBase {
  readonly kind: 'NumberLit';
  readonly value: number;
  /** Written without `.` or exponent: `128` (an int), not `128.0` or `1e3` (floats). */
  readonly isInt: boolean;
  readonly raw: string;
}

export interface StringLit extends ExprBase {
  readonly kind: 'StringLit';
  /** The decoded value (escapes applied). */
  readonly value: string;
}

export interface BoolLit extends ExprBase {
  readonly kind: 'BoolLit';
  readonly value: boolean;
}

/** A reference to a name in scope. */
export interface Name extends ExprBase {
  readonly kind: 'Name';
  readonly name: string;
}

/** `object.name` */
export interface Member extends ExprBase {
  readonly kind: 'Member';
  readonly object: Expr;
  readonly name: Ident;
}

/** `x[i]`, `x[:, :-1]`, `b["**.bias"]` */
export interface Index extends ExprBase {
  readonly kind: 'Index';
  readonly object: Expr;
  readonly items: readonly (Expr | Slice)[];
}

/** `start:end:step` inside an index, each part optional (`:`, `:-1`, `1:`). */
export interface Slice extends NodeBase {
  readonly kind: 'Slice';
  readonly start?: Expr;
  readonly end?: Expr;
  readonly step?: Expr;
}

/** A call argument: positional (`8`) or named (`seq: 128`). */
export interface Arg extends NodeBase {
  readonly kind: 'Arg';
  readonly name?: Ident;
  readonly value: Expr;
}

export interface Call extends ExprBase {
  readonly kind: 'Call';
  readonly callee: Expr;
  readonly args: readonly Arg[];
}

/** Binary operators, lowest to highest precedence:
 *  `||` < `&&` < `== != < <= > >=` < `+ -` < `* / % @` < unary `- !` < `^` (right-assoc). */
export type BinaryOp =
  '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '@' | '^';

export interface Binary extends ExprBase {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface Unary extends ExprBase {
  readonly kind: 'Unary';
  readonly op: '-' | '!';
  readonly operand: Expr;
}

/** Postfix `x^T`: swap the last two axes. */
export interface Transpose extends ExprBase {
  readonly kind: 'Transpose';
  readonly operand: Expr;
}

/** `left |> right`: `right` is a call (or callable) that receives `left` as its first argument. */
export interface Pipe extends ExprBase {
  readonly kind: 'Pipe';
  readonly left: Expr;
  readonly right: Expr;
}

/** `(m, s) => expr`, `s => expr`, `() => expr` */
export interface Lambda extends ExprBase {
  readonly kind: 'Lambda';
  readonly params: readonly Ident[];
  readonly body: Expr;
}

/** `[a, b, c]` */
export interface ListLit extends ExprBase {
  readonly kind: 'ListLit';
  readonly items: readonly Expr[];
}

/** `{a: 1, b: "x"}` */
export interface RecordLit extends ExprBase {
  readonly kind: 'RecordLit';
  readonly fields: readonly RecordField[];
}

export interface RecordField extends NodeBase {
  readonly kind: 'RecordField';
  readonly key: Ident;
  readonly value: Expr;
}

/** `a .. b` (end exclusive for ints; for row/col selectors, fractions when floats). */
export interface Range extends ExprBase {
  readonly kind: 'Range';
  readonly start: Expr;
  readonly end: Expr;
}

/**
 * `w * load(c) for c, w in zip(cs, ws)` as a call's sole argument (form `generator`),
 * or `[x * 2 for x in xs if x > 0]` (form `list`).
 */
export interface Comprehension extends ExprBase {
  readonly kind: 'Comprehension';
  readonly form: 'generator' | 'list';
  readonly element: Expr;
  readonly vars: readonly Ident[];
  readonly iterable: Expr;
  readonly filter?: Expr;
}

/** Stands for an expression the parser could not read (a diagnostic was reported). */
export interface ErrorExpr extends ExprBase {
  readonly kind: 'ErrorExpr';
}

// ─── types ────────────────────────────────────────────────────────────────────────────

export type TypeExpr = NamedType | TensorType | ListType | RecordType;

/** `int`, `float`, `bool`, `string`, `pattern`, `schedule`, `model`, a module name (`linear`), ... */
export interface NamedType extends NodeBase {
  readonly kind: 'NamedType';
  readonly name: Ident;
}

/**
 * `f32[B, T, D]`, `f32[..., in]`, `f32[r, m.in]`, `i32[B, T]`, `f32[]` (a scalar).
 * `dtype` is one of f32, f16, i32, bool (the checker reports others). Each dim is an
 * expression (a symbol such as `B`, an int, `m.in`, `2 * d`) or `...` (any leading dims).
 */
export interface TensorType extends NodeBase {
  readonly kind: 'TensorType';
  readonly dtype: Ident;
  readonly dims: readonly (Expr | EllipsisDim)[];
}

export interface EllipsisDim extends NodeBase {
  readonly kind: 'EllipsisDim';
}

/** `[float]` */
export interface ListType extends NodeBase {
  readonly kind: 'ListType';
  readonly element: TypeExpr;
}

/** `{tokens: i32[B, T], loss_mask: f32[B, T]}` */
export interface RecordType extends NodeBase {
  readonly kind: 'RecordType';
  readonly fields: readonly RecordTypeField[];
}

export interface RecordTypeField extends NodeBase {
  readonly kind: 'RecordTypeField';
  readonly key: Ident;
  readonly type: TypeExpr;
}

// ─── all nodes, and walking them ──────────────────────────────────────────────────────

export type Node =
  | Program
  | Comment
  | Ident
  | Decl
  | Formal
  | BackwardRule
  | Block
  | Stmt
  | Selector
  | Expr
  | Slice
  | Arg
  | RecordField
  | TypeExpr
  | EllipsisDim
  | RecordTypeField;

export type NodeKind = Node['kind'];

/** The node type for a kind: `NodeOf<'Call'>` is `Call`. */
export type NodeOf<K extends NodeKind> = Extract<Node, { kind: K }>;

const isNode = (v: unknown): v is Node =>
  typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string' && 'span' in v;

/** Direct children of a node in source order (comments are not children of Program). */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'span' || key === 'comments') continue;
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) out.push(v);
    } else if (isNode(value)) out.push(value);
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

/**
 * Depth-first, pre-order walk. `enter` returning `false` skips that node's children;
 * `leave` runs after the children. `parent` is undefined for the root.
 */
export function walk(
  root: Node,
  enter: (node: Node, parent: Node | undefined) => boolean | void,
  leave?: (node: Node, parent: Node | undefined) => void,
): void {
  const visit = (node: Node, parent: Node | undefined): void => {
    if (enter(node, parent) === false) return;
    for (const child of childrenOf(node)) visit(child, node);
    leave?.(node, parent);
  };
  visit(root, undefined);
}

/** Every node of one kind under `root` (root included), in source order. */
export function findAll<K extends NodeKind>(root: Node, kind: K): NodeOf<K>[] {
  const out: NodeOf<K>[] = [];
  walk(root, (n) => {
    if (n.kind === kind) out.push(n as NodeOf<K>);
  });
  return out;
}
