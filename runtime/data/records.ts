// Record shapes read from data files, and their validation. A JSONL line must be a JSON object
// of one of these shapes; `jsonl(path)` detects the shape from the first record and holds every
// later record to it, so a stray line is reported with its file and line number:
//   data/x.jsonl:17: expected a JSON object with field `text`
//
//   text        {"text": "..."}
//   prompt      {"prompt": "...", "completion": "..."}
//   alpaca      {"instruction": "...", "input": "..." (optional), "output": "..."}
//   chat        {"messages": [{"role": "user", "content": "..."}, ...]}
//   preference  {"prompt": "..." (optional), "chosen": "...", "rejected": "..."}

export type RecordShape = 'text' | 'prompt' | 'alpaca' | 'chat' | 'preference';

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

export type DataRecord =
  /** `start`/`end`: whether this piece begins/ends a document (text files stream in pieces). */
  | { readonly kind: 'text'; readonly text: string; readonly start: boolean; readonly end: boolean }
  | { readonly kind: 'prompt'; readonly prompt: string; readonly completion: string }
  | { readonly kind: 'alpaca'; readonly instruction: string; readonly input: string; readonly output: string }
  | { readonly kind: 'chat'; readonly messages: readonly ChatMessage[] }
  | {
      readonly kind: 'preference';
      readonly prompt: string;
      readonly chosen: string;
      readonly rejected: string;
    };

const FIELDS: Record<RecordShape, string> = {
  text: 'field `text`',
  prompt: 'fields `prompt` and `completion`',
  alpaca: 'fields `instruction` and `output`',
  chat: 'field `messages` (a list of {role, content})',
  preference: 'fields `chosen` and `rejected`',
};

/** The shape an object looks like, most specific first; undefined if none. */
export function detectShape(o: Record<string, unknown>): RecordShape | undefined {
  if ('messages' in o) return 'chat';
  if ('chosen' in o && 'rejected' in o) return 'preference';
  if ('instruction' in o && 'output' in o) return 'alpaca';
  if ('prompt' in o && 'completion' in o) return 'prompt';
  if ('text' in o) return 'text';
  return undefined;
}

export const ANY_SHAPE_MESSAGE =
  'expected a JSON object with one of: field `text`; `prompt` + `completion`; `instruction` + `output`; `messages`; `chosen` + `rejected`';

/** Validate `o` as `shape`; returns the record, or the message for the diagnostic. */
export function toRecord(o: unknown, shape: RecordShape): DataRecord | string {
  const expected = `expected a JSON object with ${FIELDS[shape]}`;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return expected;
  const r = o as Record<string, unknown>;
  const str = (k: string, optional = false): string | undefined => {
    const v = r[k];
    if (v === undefined && optional) return '';
    return typeof v === 'string' ? v : undefined;
  };
  const wrongType = (k: string) =>
    `${expected}; \`${k}\` is ${r[k] === undefined ? 'missing' : `a ${Array.isArray(r[k]) ? 'list' : typeof r[k]}, not a string`}`;
  switch (shape) {
    case 'text': {
      const text = str('text');
      return text === undefined ? wrongType('text') : { kind: 'text', text, start: true, end: true };
    }
    case 'prompt': {
      const prompt = str('prompt'),
        completion = str('completion');
      if (prompt === undefined) return wrongType('prompt');
      if (completion === undefined) return wrongType('completion');
      return { kind: 'prompt', prompt, completion };
    }
    case 'alpaca': {
      const instruction = str('instruction'),
        input = str('input', true),
        output = str('output');
      if (instruction === undefined) return wrongType('instruction');
      if (input === undefined) return wrongType('input');
      if (output === undefined) return wrongType('output');
      return { kind: 'alpaca', instruction, input, output };
    }
    case 'chat': {
      const ms = r.messages;
      if (!Array.isArray(ms) || ms.length === 0) return `${expected}; \`messages\` must be a non-empty list`;
      for (let i = 0; i < ms.length; i++) {
        const m = ms[i] as Record<string, unknown> | null;
        if (
          typeof m !== 'object' ||
          m === null ||
          typeof m.role !== 'string' ||
          typeof m.content !== 'string'
        )
          return `${expected}; message ${i} needs string \`role\` and \`content\``;
      }
      return {
        kind: 'chat',
        messages: (ms as ChatMessage[]).map((m) => ({ role: m.role, content: m.content })),
      };
    }
    case 'preference': {
      const prompt = str('prompt', true),
        chosen = str('chosen'),
        rejected = str('rejected');
      if (prompt === undefined) return wrongType('prompt');
      if (chosen === undefined) return wrongType('chosen');
      if (rejected === undefined) return wrongType('rejected');
      return { kind: 'preference', prompt, chosen, rejected };
    }
  }
}
