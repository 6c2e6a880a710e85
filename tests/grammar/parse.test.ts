// Parser details the golden samples do not pin down: precedence, `^T` versus power,
// context-dependent readings, doc comments and comments, spans, and recovery.
import { describe, expect, it } from 'vitest';
import { findAll, parse, walk, type Expr, type FnDecl, type Node } from '../../grammar/index.ts';

/** An expression as a fully parenthesised string, to assert precedence. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'Binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'Unary':
      return `(${e.op}${show(e.operand)})`;
    case 'Transpose':
      return `${show(e.operand)}^T`;
    case 'Pipe':
      return `(${show(e.left)} |> ${show(e.right)})`;
    case 'Range':
      return `(${show(e.start)} .. ${show(e.end)})`;
    case 'Name':
      return e.name;
    case 'NumberLit':
      return e.raw;
    case 'Call':
      return `${show(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name}: ` : '') + show(a.value)).join(', ')})`;
    case 'Member':
      return `${show(e.object)}.${e.name.name}`;
    case 'Lambda':
      return `\\${e.params.map((p) => p.name).join(',')}.${show(e.body)}`;
    default:
      return e.kind;
  }
}

const expr = (src: string): string => {
  const { ast, diagnostics } = parse(`fn f() = ${src}`, 't.ftl');
  expect(diagnostics).toEqual([]);
  return show((ast.decls[0] as FnDecl).body as Expr);
};

describe('expressions', () => {
  it('follows the precedence table', () => {
    expect(expr('a + b * c')).toBe('(a + (b * c))');
    expect(expr('x @ w^T + b')).toBe('((x @ w^T) + b)');
    expect(expr('a @ b @ c')).toBe('((a @ b) @ c)');
    expect(expr('-x ^ 2')).toBe('(-(x ^ 2))');
    expect(expr('a ^ b ^ c')).toBe('(a ^ (b ^ c))');
    expect(expr('1 - b ^ step')).toBe('(1 - (b ^ step))');
    expect(expr('a < b && c == d || e')).toBe('(((a < b) && (c == d)) || e)');
    expect(expr('0 .. n - 1')).toBe('(0 .. (n - 1))');
    expect(expr('a |> f(x) |> g')).toBe('((a |> f(x)) |> g)');
    expect(expr('s => a == s.b')).toBe('\\s.(a == s.b)');
    expect(expr('(m, s) => m(s)')).toBe('\\m,s.m(s)');
  });

  it('reads `^T` as transpose only when glued to the operand', () => {
    expect(expr('w^T')).toBe('w^T');
    expect(expr('w ^ T')).toBe('(w ^ T)');
    expect(expr('w^Tk')).toBe('(w ^ Tk)');
    expect(expr('(a @ b)^T^T')).toBe('(a @ b)^T^T');
  });

  it('parses slices, named arguments and keywords used as names', () => {
    const { ast, diagnostics } = parse(
      'fn f(model, in: int) = model.forward(x[:, :-1], in: in, loss: 1)[0, 1:, ::2]',
      't.ftl',
    );
    expect(diagnostics).toEqual([]);
    const idx = findAll(ast, 'Index');
    // outer index first (pre-order), then `x[:, :-1]` inside its call
    expect(idx.map((i) => i.items.map((s) => s.kind))).toEqual([
      ['NumberLit', 'Slice', 'Slice'],
      ['Slice', 'Slice'],
    ]);
    const call = findAll(ast, 'Call')[0]!;
    expect(call.args.map((a) => a.name?.name ?? '_')).toEqual(['_', 'in', 'loss']);
  });
});

describe('declarations and statements', () => {
  it('attaches /// doc comments to the next declaration and keeps every comment', () => {
    const src = '/// first line\n/// second\nfn f() = 1 // trailing\n\n/* block */\nfn g() = 2\n';
    const { ast } = parse(src, 't.ftl');
    expect(ast.decls.map((d) => d.doc)).toEqual(['first line\nsecond', undefined]);
    expect(ast.comments.map((c) => [c.style, c.text])).toEqual([
      ['doc', '/// first line'],
      ['doc', '/// second'],
      ['line', '// trailing'],
      ['block', '/* block */'],
    ]);
  });

  it('reads `key = value` as a Field in recipes and stages, a submodule in modules, else an assignment', () => {
    const src =
      'recipe r { model = m; stage s { data = d; train(steps: 1) } }\nmodule m() { a = lin(1); bs[2] = lin(1) }\nfn f() { x = 1; x += 2 }\n';
    const { ast, diagnostics } = parse(src, 't.ftl');
    expect(diagnostics).toEqual([]);
    expect(findAll(ast, 'Field').map((f) => f.key.name)).toEqual(['model', 'data']);
    expect(findAll(ast, 'TrainStmt')).toHaveLength(1);
    expect(findAll(ast, 'SubmoduleDecl').map((s) => [s.name.name, s.count?.kind])).toEqual([
      ['a', undefined],
      ['bs', 'NumberLit'],
    ]);
    expect(findAll(ast, 'AssignStmt').map((s) => s.op)).toEqual(['=', '+=']);
  });

  it('parses freeze selectors, method params with owners, wrap, merge and apply', () => {
    const src =
      'method m(r: int) {\n freeze all\n for m: linear in modules("**") {\n  unfreeze m["w"] rows(0 .. 0.5) cols(1 .. 2)\n  param m.a: f32[r, m.in] init zeros trainable\n  module m.ad = lin(r)\n  wrap m(x) = base(x)\n  merge m.weight += m.a\n }\n}\n';
    const { ast, diagnostics } = parse(src, 't.ftl');
    expect(diagnostics).toEqual([]);
    const fr = findAll(ast, 'FreezeStmt');
    expect(fr.map((f) => [f.action, f.target?.kind, f.selectors.map((s) => s.axis)])).toEqual([
      ['freeze', undefined, []],
      ['unfreeze', 'Index', ['rows', 'cols']],
    ]);
    const p = findAll(ast, 'ParamDecl')[0]!;
    expect([p.owner?.kind, p.name.name, p.trainable, p.type.kind]).toEqual(['Name', 'a', true, 'TensorType']);
    expect(findAll(ast, 'SubmoduleDecl')[0]!.owner?.kind).toBe('Name');
    expect(findAll(ast, 'WrapStmt')).toHaveLength(1);
    expect(findAll(ast, 'MergeStmt')[0]!.op).toBe('+=');
  });
});

describe('spans and recovery', () => {
  it('gives every node a span inside its parent, with line and column', () => {
    const src = 'fn f(x: f32[B, T]) -> f32[B, T] {\n  let y = x * 2\n  return y\n}\n';
    const { ast } = parse(src, 't.ftl');
    walk(ast, (n: Node, parent) => {
      expect(n.span.file).toBe('t.ftl');
      if (parent) {
        expect(n.span.start).toBeGreaterThanOrEqual(parent.span.start);
        expect(n.span.end).toBeLessThanOrEqual(parent.span.end);
      }
    });
    const lets = findAll(ast, 'LetStmt')[0]!;
    expect([lets.span.line, lets.span.col, src.slice(lets.span.start, lets.span.end)]).toEqual([
      2,
      3,
      'let y = x * 2',
    ]);
  });

  it('recovers: reports the error, keeps the declarations around it, never throws', () => {
    const src = 'fn a() = 1\nfn b() = (2 +\nfn c() = 3\nrecipe r { model = ; data = d }\n';
    const { ast, diagnostics } = parse(src, 't.ftl');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(ast.decls.map((d) => ('name' in d ? d.name.name : ''))).toContain('a');
    for (const d of diagnostics) expect(d.span!.end).toBeLessThanOrEqual(src.length);
    for (const text of ['', '{', '}', 'recipe', 'fn f(', '"', '/*', 'import', 'fn f() = x |>']) {
      expect(() => parse(text, 't.ftl')).not.toThrow();
    }
  });
});
