// Chat templates: a model's `chat_template` (Jinja, from tokenizer_config.json) rendered with
// @huggingface/jinja, and the character spans of the assistant turns in a rendered conversation,
// so training can put the loss on those turns only.
//
// Assistant spans come from rendering prefixes of the conversation, which works for any
// template without knowing its format: for an assistant message i,
//   start = length of render(messages[:i],   add_generation_prompt: true)   (after its header)
//   end   = length of render(messages[:i+1], add_generation_prompt: false)  (after its end token)
// and both renders must be prefixes of the whole conversation's render. A template for which
// that does not hold (one that rewrites earlier turns depending on later ones) is reported, not
// guessed at.
//
// The render context is what transformers passes: messages, add_generation_prompt, bos_token,
// eos_token, plus a fixed date_string, so templates that print today's date (Llama 3.1+) render
// the same on every day and a resumed run sees the same tokens.

import { Template } from '@huggingface/jinja';
import { type Result, ok, fail } from '../data/result.ts';
import type { ChatMessage } from '../data/records.ts';
import type { Tokenizer } from './tokenizer.ts';

export interface ChatTemplate {
  /** The Jinja source. */
  readonly source: string;
  /** Render a conversation; throws ChatTemplateError when the template raises or fails. */
  render(messages: readonly ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string;
  /** The whole conversation's text and its assistant spans [start, end) in characters,
   *  ascending and disjoint; or a message saying why the spans cannot be found. */
  assistantSpans(messages: readonly ChatMessage[]): { text: string; spans: [number, number][] } | string;
}

export interface TemplateTokens {
  readonly bos?: string;
  readonly eos?: string;
}

/** A rendering failure inside the template (raise_exception, a missing field, a type error). */
export class ChatTemplateError extends Error {}

/** The date templates print when they ask for today's (kept fixed for reproducible data). */
export const TEMPLATE_DATE = '26 Jul 2024';

const INVALID = 'FTL0722';

/** Compile a template; `origin` names where it came from (a file) in diagnostics. */
export function chatTemplate(source: string, tokens: TemplateTokens, origin: string): Result<ChatTemplate> {
  let t: Template;
  try {
    t = new Template(source);
  } catch (e) {
    return fail(INVALID, origin, `the chat template does not parse: ${(e as Error).message}`);
  }
  const render = (messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string => {
    try {
      return t.render({
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: opts.addGenerationPrompt ?? false,
        bos_token: tokens.bos ?? '',
        eos_token: tokens.eos ?? '',
        date_string: TEMPLATE_DATE,
      });
    } catch (e) {
      throw new ChatTemplateError((e as Error).message);
    }
  };
  return ok({
    source,
    render,
    assistantSpans(messages) {
      const text = render(messages);
      const spans: [number, number][] = [];
      for (let i = 0; i < messages.length; i++) {
        if (messages[i]!.role !== 'assistant') continue;
        const before = render(messages.slice(0, i), { addGenerationPrompt: true });
        const through = render(messages.slice(0, i + 1));
        if (!text.startsWith(before) || !text.startsWith(through) || through.length < before.length)
          return `the chat template renders message ${i} differently once later messages follow, so its assistant turn cannot be located`;
        const last = spans[spans.length - 1];
        if (last && before.length < last[1])
          return `the chat template's assistant turns overlap at message ${i}`;
        if (through.length > before.length) spans.push([before.length, through.length]);
      }
      return { text, spans };
    },
  });
}

/** The template source in a parsed tokenizer_config.json: `chat_template` as a string, or the
 *  entry named "default" of a list of {name, template}; undefined when there is none. */
export function configChatTemplate(config: Record<string, unknown>): string | undefined {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const d = named.find((x) => x?.name === 'default') ?? named[0];
    if (typeof d?.template === 'string') return d.template;
  }
  return undefined;
}

/** A tokenize stage's `template:` argument: "model" (the tokenizer folder's chat_template) or
 *  the Jinja source itself; bos_token / eos_token are the tokenizer's. */
export function templateFor(tok: Tokenizer, spec: string): Result<ChatTemplate> {
  const content = (id: number | undefined) => tok.specials.find((s) => s.id === id)?.content;
  const tokens = { bos: content(tok.bosId), eos: content(tok.eosId) };
  if (spec !== 'model') return chatTemplate(spec, tokens, 'the chat template given to tokenize');
  if (tok.chatTemplate === undefined)
    return fail(
      INVALID,
      'tokenizer_config.json',
      `the model's tokenizer (${tok.describe()}) has no chat_template`,
      'load the tokenizer from a model folder whose tokenizer_config.json has one, or pass the template text',
    );
  return chatTemplate(tok.chatTemplate, tokens, "the model's tokenizer_config.json");
}
