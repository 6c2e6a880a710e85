// Writing a tokenizer into a Hugging Face model folder (for `ftl init-model` and exports):
// tokenizer.json as given, plus a minimal tokenizer_config.json naming the special tokens, both
// written atomically. loadTokenizerFolder (hf-json.ts) reads the pair back.

import * as path from 'node:path';
import { type Result, ok, fail } from '../data/result.ts';
import { writeTextAtomic } from '../checkpoint/atomic.ts';

export interface SpecialTokenNames {
  readonly eos?: string;
  readonly bos?: string;
  readonly pad?: string;
}

export function writeTokenizerFolder(
  dir: string,
  tokenizerJson: object,
  names: SpecialTokenNames = {},
): Result<{ files: string[] }> {
  const config: Record<string, unknown> = { tokenizer_class: 'PreTrainedTokenizerFast' };
  if (names.bos) config.bos_token = names.bos;
  if (names.eos) config.eos_token = names.eos;
  if (names.pad) config.pad_token = names.pad;
  const files = ['tokenizer.json', 'tokenizer_config.json'];
  try {
    writeTextAtomic(path.join(dir, files[0]!), JSON.stringify(tokenizerJson, null, 2) + '\n');
    writeTextAtomic(path.join(dir, files[1]!), JSON.stringify(config, null, 2) + '\n');
  } catch (e) {
    return fail('FTL0708', dir, `cannot write the tokenizer: ${(e as Error).message}`);
  }
  return ok({ files });
}
