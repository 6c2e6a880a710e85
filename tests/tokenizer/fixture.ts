// The tiny tokenizer.json fixture: trained by runtime/tokenizer/train-bpe.ts on FIXTURE_TEXT.
// Regenerate with `UPDATE_FIXTURES=1 npx vitest run tests/tokenizer`; the test checks that the
// committed file equals a fresh training run, so the trainer stays deterministic.
import * as path from 'node:path';

export const FIXTURE_FILE = path.join(import.meta.dirname, 'fixtures', 'tiny-bpe.json');
export const FIXTURE_MERGES = 60;
export const FIXTURE_SPECIALS = ['<|endoftext|>', '<|pad|>'];
export const FIXTURE_TEXT = [
  'the cat sat on the mat. the cat is fat; the mat is flat.',
  "it's the hat that the cat wore, and they're sure the hat's there.",
  'then the rat ran at the cat, and the cat ran at the rat!',
  'numbers: 12 123 1234 and 2024, 3.14 and 42.',
].join('\n');
