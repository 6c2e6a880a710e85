// Chat templates: a ChatML (Qwen2.5-style) and a Llama-3-style template, written as fixtures from
// those formats, render what the formats define (built by hand below, independently of Jinja);
// tokenize(template) puts the loss exactly on each assistant turn's content + end token and
// nowhere else, for chat, prompt/completion, alpaca and preference records; `template: "model"`
// reads tokenizer_config.json's chat_template; template errors are diagnostics, not throws.
import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainBpe } from '../../runtime/tokenizer/train-bpe.ts';
import { writeTokenizerFolder } from '../../runtime/tokenizer/write.ts';
import { loadTokenizerFolder } from '../../runtime/tokenizer/hf-json.ts';
import { chatTemplate, templateFor, configChatTemplate } from '../../runtime/tokenizer/chat-template.ts';
import type { Tokenizer } from '../../runtime/tokenizer/tokenizer.ts';
import {
  tokenize,
  fromRecords,
  loaderFromSpec,
  pad,
  batch,
  pipeline,
  type ChatMessage,
  type DataRecord,
  type Example,
  type PairExample,
  type StageSpec,
} from '../../runtime/data/index.ts';
import { ok, unwrap } from '../../runtime/data/result.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'chat');
const CHATML = fs.readFileSync(path.join(fixtures, 'chatml-qwen.jinja'), 'utf8');
const LLAMA3 = fs.readFileSync(path.join(fixtures, 'llama3.jinja'), 'utf8');

// ─── The formats, by hand ───
const chatml = (ms: readonly ChatMessage[], gen = false) =>
  (ms[0]?.role === 'system' ? '' : '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n') +
  ms.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') +
  (gen ? '<|im_start|>assistant\n' : '');
const chatmlTurn = (m: ChatMessage) => `${m.content}<|im_end|>\n`;
const llama3 = (ms: readonly ChatMessage[], gen = false) =>
  '<|begin_of_text|>' +
  ms.map((m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content.trim()}<|eot_id|>`).join('') +
  (gen ? '<|start_header_id|>assistant<|end_header_id|>\n\n' : '');
const llama3Turn = (m: ChatMessage) => `${m.content.trim()}<|eot_id|>`;

const CORPUS =
  'You are a helpful assistant. user assistant system: what is the capital of France? Paris is. ' +
  'Translate to French: the cat sat on the mat. Le chat. 12 + 30 = 42, naïve café 東京.';

/** A model folder with a trained byte-level BPE and a tokenizer_config.json with the template. */
function folder(name: string, specials: string[], names: object, template: string | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ftl-chat-${name}-`));
  unwrap(writeTokenizerFolder(dir, trainBpe(CORPUS, { merges: 80, specials }), names));
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  if (template !== undefined) cfg.chat_template = template;
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  return dir;
}

let qwen: Tokenizer, llama: Tokenizer, qwenDir: string;
beforeAll(() => {
  qwenDir = folder('qwen', ['<|endoftext|>', '<|im_start|>', '<|im_end|>'], { eos: '<|im_end|>' }, CHATML);
  qwen = unwrap(loadTokenizerFolder(qwenDir));
  const llamaDir = folder(
    'llama',
    ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
    { bos: '<|begin_of_text|>', eos: '<|eot_id|>' },
    LLAMA3,
  );
  llama = unwrap(loadTokenizerFolder(llamaDir));
});

const conversations: ChatMessage[][] = [
  [
    { role: 'user', content: 'What is the capital of France?' },
    { role: 'assistant', content: 'Paris.' },
  ],
  [
    { role: 'system', content: 'Answer in French.' },
    { role: 'user', content: 'the cat' },
    { role: 'assistant', content: '  Le chat \n' },
    { role: 'user', content: '12 + 30?' },
    { role: 'assistant', content: '42, naïve café 東京 🐈' },
  ],
];

/** The runs of consecutive mask-1 tokens, decoded. */
function trainedRuns(tok: Tokenizer, e: Example): string[] {
  const runs: string[] = [];
  let cur: number[] | undefined;
  e.tokens.forEach((t, i) => {
    if (e.mask[i]) (cur ??= []).push(t);
    else if (cur) (runs.push(tok.decode(cur)), (cur = undefined));
  });
  if (cur) runs.push(tok.decode(cur));
  return runs;
}
const example = (tok: Tokenizer, template: string, r: DataRecord) => {
  const c = tokenize(tok, { template: unwrap(templateFor(tok, template)) }).open(fromRecords([r]).open());
  return c.next() as Example | PairExample;
};

describe('rendering', () => {
  it('ChatML and Llama-3 templates render the formats, with and without a generation prompt', () => {
    const q = unwrap(templateFor(qwen, 'model'));
    const l = unwrap(templateFor(llama, 'model'));
    for (const ms of conversations)
      for (const gen of [false, true]) {
        expect(q.render(ms, { addGenerationPrompt: gen })).toBe(chatml(ms, gen));
        expect(l.render(ms, { addGenerationPrompt: gen })).toBe(llama3(ms, gen));
      }
  });
  it('reads chat_template as a string or a named list', () => {
    expect(configChatTemplate({ chat_template: 'x' })).toBe('x');
    expect(
      configChatTemplate({
        chat_template: [
          { name: 'tool_use', template: 't' },
          { name: 'default', template: 'd' },
        ],
      }),
    ).toBe('d');
    expect(configChatTemplate({})).toBeUndefined();
  });
});

describe('tokenize(template): loss on assistant turns only', () => {
  const cases: [
    string,
    () => Tokenizer,
    (ms: readonly ChatMessage[]) => string,
    (m: ChatMessage) => string,
  ][] = [
    ['ChatML', () => qwen, chatml, chatmlTurn],
    ['Llama-3', () => llama, llama3, llama3Turn],
  ];
  for (const [name, tokOf, render, turn] of cases)
    it(`${name}: tokens are the rendered text; trained runs are the assistant turns`, () => {
      const tok = tokOf();
      for (const messages of conversations) {
        const e = example(tok, 'model', { kind: 'chat', messages }) as Example;
        expect(e.tokens).toEqual(tok.encode(render(messages), { specials: true }));
        expect(trainedRuns(tok, e)).toEqual(messages.filter((m) => m.role === 'assistant').map(turn));
        // Everything not trained is the rest of the text: headers, system and user turns.
        expect(tok.decode(e.tokens.filter((_, i) => !e.mask[i]))).toBe(
          messages.reduce((s, m) => (m.role === 'assistant' ? s.replace(turn(m), '') : s), render(messages)),
        );
      }
    });

  it('the template owns BOS: exactly one, even for a tokenizer that adds BOS', () => {
    const tok: Tokenizer = { ...llama, addBos: true };
    const e = example(tok, 'model', { kind: 'chat', messages: conversations[0]! }) as Example;
    expect(e.tokens.filter((t) => t === llama.bosId).length).toBe(1);
    expect(e.tokens[0]).toBe(llama.bosId);
    expect(e.tokens[e.tokens.length - 1]).toBe(llama.eosId); // <|eot_id|>, written by the template
  });

  it('prompt, alpaca and preference records become a user turn and an assistant turn', () => {
    const asChat = (user: string, assistant: string) =>
      example(qwen, 'model', {
        kind: 'chat',
        messages: [
          { role: 'user', content: user },
          { role: 'assistant', content: assistant },
        ],
      });
    expect(example(qwen, 'model', { kind: 'prompt', prompt: 'Translate: cat', completion: 'chat' })).toEqual(
      asChat('Translate: cat', 'chat'),
    );
    expect(
      example(qwen, 'model', {
        kind: 'alpaca',
        instruction: 'Translate to French:',
        input: 'the cat',
        output: 'le chat',
      }),
    ).toEqual(asChat('Translate to French:\n\nthe cat', 'le chat'));
    expect(
      example(qwen, 'model', { kind: 'alpaca', instruction: 'Say hi', input: '', output: 'hi' }),
    ).toEqual(asChat('Say hi', 'hi'));
    const pair = example(qwen, 'model', {
      kind: 'preference',
      prompt: 'Capital?',
      chosen: 'Paris',
      rejected: 'Rome',
    });
    expect(pair).toEqual({
      kind: 'pair',
      chosen: asChat('Capital?', 'Paris'),
      rejected: asChat('Capital?', 'Rome'),
    });
  });

  it('text records are unchanged by a template', () => {
    const r: DataRecord = { kind: 'text', text: 'the cat', start: true, end: true };
    const withT = example(qwen, 'model', r) as Example;
    const without = tokenize(qwen)
      .open(fromRecords([r]).open())
      .next() as Example;
    expect(withT).toEqual(without);
  });
});

describe('from a recipe and when things go wrong', () => {
  const ctxFor = (tok: Tokenizer) => ({ baseDir: os.tmpdir(), tokenizer: () => ok(tok) });
  const chatFile = () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-chatdata-')), 'chat.jsonl');
    fs.writeFileSync(f, conversations.map((messages) => JSON.stringify({ messages })).join('\n'));
    return f;
  };
  const spec = (f: string, template?: string): StageSpec[] => [
    { op: 'jsonl', args: { path: f } },
    { op: 'tokenize', args: { tokenizer: 'model', ...(template !== undefined ? { template } : {}) } },
    { op: 'pad', args: { seq: 256 } },
    { op: 'batch', args: { size: 1 } },
  ];

  it('template: "model" and the same template as text give the same batches', () => {
    const f = chatFile();
    const a = unwrap(loaderFromSpec(spec(f, 'model'), ctxFor(qwen)));
    const b = unwrap(loaderFromSpec(spec(f, CHATML), ctxFor(qwen)));
    const direct = unwrap(
      pipeline(
        fromRecords(conversations.map((messages) => ({ kind: 'chat', messages }))),
        tokenize(qwen, { template: unwrap(templateFor(qwen, 'model')) }),
        pad({ seq: 256, padId: qwen.padId! }),
        batch(1),
      ),
    );
    for (let i = 0; i < 2; i++) {
      const x = unwrap(a.next()),
        y = unwrap(b.next()),
        z = unwrap(direct.next());
      expect(Array.from(x.tokens)).toEqual(Array.from(y.tokens));
      expect(Array.from(x.loss_mask)).toEqual(Array.from(z.loss_mask));
      expect(Array.from(x.tokens)).toEqual(Array.from(z.tokens));
    }
  });

  it('no chat_template, or one that does not parse, is FTL0722', () => {
    const plainDir = folder('plain', ['<|endoftext|>'], {}, undefined);
    const plain = unwrap(loadTokenizerFolder(plainDir));
    const r = loaderFromSpec(spec(chatFile(), 'model'), ctxFor(plain));
    expect(!r.ok && r.diagnostics[0]!.code).toBe('FTL0722');
    expect(!r.ok && r.diagnostics[0]!.message).toContain('has no chat_template');
    const bad = chatTemplate('{% for m in messages %}{{ m.content }', {}, 'bad.jinja');
    expect(!bad.ok && bad.diagnostics[0]!.code).toBe('FTL0722');
    expect(!bad.ok && bad.diagnostics[0]!.message).toMatch(/^bad\.jinja: the chat template does not parse/);
  });

  it('a template that raises, or renders earlier turns differently later, is FTL0744 from the loader', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-chatdata-')), 'tool.jsonl');
    fs.writeFileSync(
      f,
      JSON.stringify({
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'tool', content: 'sunny' },
        ],
      }),
    );
    const l = unwrap(loaderFromSpec(spec(f, 'model'), ctxFor(qwen)));
    const r = l.next();
    expect(!r.ok && r.diagnostics[0]!.code).toBe('FTL0744');
    expect(!r.ok && r.diagnostics[0]!.message).toContain('unknown role tool');
    expect(!r.ok && r.diagnostics[0]!.message).toContain('"weather?"');

    // Prints the number of messages first: every prefix renders differently.
    const counting =
      '{{ messages|length }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}';
    const c = unwrap(loaderFromSpec(spec(chatFile(), counting), ctxFor(qwen)));
    const r2 = c.next();
    expect(!r2.ok && r2.diagnostics[0]!.message).toMatch(/cannot be located/);
  });
});
