// The server's features in process (no child): a Server whose outgoing messages are
// collected, driven with the same JSON-RPC messages an editor sends. Covers the cases the
// end-to-end test does not: completion contexts, hover on parameters and locals, unsaved
// sibling imports, definitions of locals, and the lifecycle errors.

import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recipeKeys, trainParams } from '../../compiler/check/builtins.ts';
import type { Message } from '../../cli/lsp/jsonrpc.ts';
import { Server } from '../../cli/lsp/server.ts';

const pos = (text: string, needle: string, after = false) => {
  const i = text.indexOf(needle) + (after ? needle.length : 0);
  const before = text.slice(0, i);
  return { line: before.split('\n').length - 1, character: i - (before.lastIndexOf('\n') + 1) };
};

function harness() {
  const sent: Message[] = [];
  let exitCode: number | undefined;
  const server = new Server({ send: (m) => sent.push(m), exit: (c) => (exitCode = c), debounceMs: 5 });
  let id = 0;
  const request = async (method: string, params: unknown = {}) => {
    const myId = ++id;
    await server.handle({ jsonrpc: '2.0', id: myId, method, params });
    return sent.find((m) => 'id' in m && m.id === myId && !('method' in m)) as {
      result?: any;
      error?: { code: number };
    };
  };
  const notify = (method: string, params: unknown = {}) => server.handle({ jsonrpc: '2.0', method, params });
  const open = (file: string, text: string) =>
    notify('textDocument/didOpen', {
      textDocument: { uri: `file://${file}`, languageId: 'ftl', version: 1, text },
    });
  const diagnostics = async (file: string) => {
    for (let i = 0; i < 200; i++) {
      const m = sent.filter(
        (x) =>
          'method' in x &&
          x.method === 'textDocument/publishDiagnostics' &&
          (x.params as any).uri === `file://${file}`,
      );
      if (m.length) return (m[m.length - 1] as any).params.diagnostics as any[];
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no diagnostics');
  };
  return { server, sent, request, notify, open, diagnostics, exitCode: () => exitCode };
}

const labels = (r: { result?: any }) => (r.result.items as { label: string }[]).map((i) => i.label);

describe('lifecycle', () => {
  it('refuses requests before initialize and after shutdown; exit without shutdown is 1', async () => {
    const h = harness();
    expect((await h.request('textDocument/hover', {})).error?.code).toBe(-32002);
    await h.request('initialize', { capabilities: {} });
    await h.notify('exit');
    expect(h.exitCode()).toBe(1);
    const h2 = harness();
    await h2.request('initialize', { capabilities: {} });
    await h2.request('shutdown');
    expect((await h2.request('textDocument/hover', {})).error?.code).toBe(-32600);
    await h2.notify('exit');
    expect(h2.exitCode()).toBe(0);
  });
});

describe('completion', () => {
  const file = '/tmp/ftl-lsp/features.ftl';
  const text = `import std.methods.lora
import std.optim.adamw
import std.schedules.cosine

fn twice(value: f32[N]) -> f32[N] {
  let doubled = value * 2
  return doub
}

recipe r {
  optim = adamw(lr: 1e-3, schedule: cosine(warmup: 10), )
  train(steps: 10, )
  se
}
`;

  it('offers std. import paths from the stdlib folder', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    const t = 'import std.me\n';
    await h.open(file, t);
    const r = await h.request('textDocument/completion', {
      textDocument: { uri: `file://${file}` },
      position: pos(t, 'std.me', true),
    });
    const methods = readdirSync(join('stdlib', 'methods'))
      .filter((f) => f.endsWith('.ftl'))
      .map((f) => `std.methods.${f.slice(0, -4)}`);
    expect(labels(r)).toEqual(expect.arrayContaining(methods));
    const lora = r.result.items.find((i: any) => i.label === 'std.methods.lora');
    expect(lora.textEdit.range).toEqual({ start: pos(t, 'std.me'), end: pos(t, 'std.me', true) });
    expect(lora.documentation.value).toMatch(/LoRA/);
  });

  it('offers locals in scope, named arguments not yet given, train params and recipe keys', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    await h.open(file, text);
    const uri = `file://${file}`;
    const inFn = await h.request('textDocument/completion', {
      textDocument: { uri },
      position: pos(text, 'return doub', true),
    });
    expect(labels(inFn)).toEqual(expect.arrayContaining(['doubled', 'value', 'twice', 'lora', 'softmax']));

    const inAdamw = await h.request('textDocument/completion', {
      textDocument: { uri },
      position: pos(text, 'warmup: 10), ', true),
    });
    const args = labels(inAdamw).filter((l) => l.endsWith(':'));
    expect(args).toEqual(expect.arrayContaining(['beta1:', 'weight_decay:']));
    expect(args).not.toContain('lr:'); // already given
    expect(args).not.toContain('warmup:'); // cosine's, not adamw's

    const inTrain = await h.request('textDocument/completion', {
      textDocument: { uri },
      position: pos(text, 'steps: 10, ', true),
    });
    expect(
      labels(inTrain)
        .filter((l) => l.endsWith(':'))
        .sort(),
    ).toEqual(
      trainParams
        .filter((p) => p.name !== 'steps')
        .map((p) => `${p.name}:`)
        .sort(),
    );

    const key = await h.request('textDocument/completion', {
      textDocument: { uri },
      position: pos(text, '  se', true),
    });
    expect(labels(key)).toEqual(expect.arrayContaining([...recipeKeys, 'train']));
  });

  it('offers values, not argument names, after `name:`; nothing inside a string', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    const t = 'import std.methods.lora\n\nrecipe r {\n  apply lora(r: , targets: "blocks.\n}\n';
    await h.open(file, t);
    const uri = `file://${file}`;
    const value = await h.request('textDocument/completion', {
      textDocument: { uri },
      position: pos(t, 'r: ', true),
    });
    expect(labels(value)).not.toContain('alpha:');
    expect(labels(value)).toContain('lora');
    const str = await h.request('textDocument/completion', {
      textDocument: { uri },
      position: pos(t, '"blocks.', true),
    });
    expect(labels(str)).toEqual([]);
  });

  it('offers types, dtypes and module declarations in type positions', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    const t = 'import std.nn.linear\n\nmethod m(k: ) {\n  for q:  in modules("**") { freeze q }\n}\n';
    await h.open(file, t);
    const uri = `file://${file}`;
    for (const at of ['k: ', 'q: ']) {
      const r = await h.request('textDocument/completion', {
        textDocument: { uri },
        position: pos(t, at, true),
      });
      expect(labels(r)).toEqual(expect.arrayContaining(['int', 'pattern', 'f32', 'linear']));
      expect(labels(r)).not.toContain('softmax');
    }
  });

  it('offers an imported namespace’s declarations after `ns.`', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    const t = 'import std.losses.causal_lm as L\n\nrecipe r {\n  loss = L.\n}\n';
    await h.open(file, t);
    const r = await h.request('textDocument/completion', {
      textDocument: { uri: `file://${file}` },
      position: pos(t, 'L.', true),
    });
    expect(labels(r)).toContain('causal_lm');
  });
});

describe('hover and definition of local names', () => {
  const file = '/tmp/ftl-lsp/local.ftl';
  const text = `/// Adds a learned bias.
module shift(d: int) {
  param b: f32[d] init zeros
  forward(x: f32[N, d]) -> f32[N, d] = x + b
}
`;
  it('hovers a module parameter and a declaration name; jumps from a use to the param', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    await h.open(file, text);
    const uri = `file://${file}`;
    const onD = await h.request('textDocument/hover', {
      textDocument: { uri },
      position: pos(text, 'd: int'),
    });
    expect(onD.result.contents.value).toContain('d: int');
    const onName = await h.request('textDocument/hover', {
      textDocument: { uri },
      position: pos(text, 'shift'),
    });
    expect(onName.result.contents.value).toMatch(/module shift\(d: int\)[\s\S]*Adds a learned bias/);
    const useOfB = text.lastIndexOf('+ b') + 2;
    const before = text.slice(0, useOfB);
    const position = {
      line: before.split('\n').length - 1,
      character: useOfB - before.lastIndexOf('\n') - 1,
    };
    const def = await h.request('textDocument/definition', { textDocument: { uri }, position });
    expect(def.result.range.start).toEqual(pos(text, 'b: f32'));
    const symbols = await h.request('textDocument/documentSymbol', { textDocument: { uri } });
    expect(symbols.result.map((s: any) => [s.name, s.children?.map((c: any) => c.name)])).toEqual([
      ['shift', ['b']],
    ]);
  });
});

describe('members of module instances', () => {
  it('hovers and jumps from `sub.w` to the param of the submodule’s module', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    const file = '/tmp/ftl-lsp/members.ftl';
    const t = `module inner(d: int) {
  param w: f32[d, d] init zeros
  forward(x: f32[N, d]) -> f32[N, d] = x @ w
}
model outer(d: int) {
  sub = inner(d)
  forward(x: f32[N, d]) -> f32[N, d] = x @ sub.w^T
}
`;
    await h.open(file, t);
    const uri = `file://${file}`;
    const hv = await h.request('textDocument/hover', {
      textDocument: { uri },
      position: pos(t, 'sub.w', true),
    });
    expect(hv.result.contents.value).toContain('param w: f32[d, d] init zeros');
    const def = await h.request('textDocument/definition', {
      textDocument: { uri },
      position: pos(t, 'sub.w', true),
    });
    expect(def.result.range.start).toEqual(pos(t, 'w: f32'));
  });
});

describe('imports', () => {
  it('hovers `import std.methods.lora` with the file’s doc; definition opens the file', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    const file = '/tmp/ftl-lsp/imports.ftl';
    const t = 'import std.methods.lora\n';
    await h.open(file, t);
    const uri = `file://${file}`;
    const hv = await h.request('textDocument/hover', { textDocument: { uri }, position: pos(t, 'lora') });
    const firstDocLine = /^\/\/\/ (.*)$/m.exec(readFileSync('stdlib/methods/lora.ftl', 'utf8'))![1]!;
    expect(hv.result.contents.value).toContain(firstDocLine);
    expect(hv.result.contents.value).toContain('`method lora`');
    const def = await h.request('textDocument/definition', {
      textDocument: { uri },
      position: pos(t, 'methods'),
    });
    expect(def.result.uri).toBe(pathToFileURL(join(process.cwd(), 'stdlib/methods/lora.ftl')).href);
  });
});

describe('unsaved sibling imports', () => {
  it('resolves an import of an open, unsaved sibling against its buffer, and re-checks on its change', async () => {
    const h = harness();
    await h.request('initialize', { capabilities: {} });
    const dir = '/tmp/ftl-lsp-unsaved-does-not-exist';
    await h.open(`${dir}/helpers.ftl`, 'fn helper(x: f32[N]) -> f32[N] = x * 2\n');
    const main = 'import helpers\n\nfn use(y: f32[N]) -> f32[N] = helper(y)\n';
    await h.open(`${dir}/main.ftl`, main);
    expect(await h.diagnostics(`${dir}/main.ftl`)).toEqual([]);
    const def = await h.request('textDocument/definition', {
      textDocument: { uri: `file://${dir}/main.ftl` },
      position: pos(main, 'helper(y'),
    });
    expect(def.result.uri).toBe(`file://${dir}/helpers.ftl`);
    // rename the sibling's function: main now names something unknown
    h.sent.length = 0;
    await h.notify('textDocument/didChange', {
      textDocument: { uri: `file://${dir}/helpers.ftl`, version: 2 },
      contentChanges: [{ text: 'fn helper2(x: f32[N]) -> f32[N] = x * 2\n' }],
    });
    const ds = await h.diagnostics(`${dir}/main.ftl`);
    expect(ds.map((d) => d.code)).toContain('FTL0201');
    expect(ds.find((d) => d.code === 'FTL0201').range.start).toEqual(pos(main, 'helper(y'));
  });
});
