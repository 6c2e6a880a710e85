// Syntax error samples (tests/grammar/errors/*.ftl): lexer errors, unclosed delimiters,
// recovery, forms the AST builder rejects. Each asserts its codes and spans.
import { join } from 'node:path';
import { describe } from 'vitest';
import { errorSampleTests } from '../check/error-samples.ts';

describe('syntax error samples', () => {
  errorSampleTests(join(import.meta.dirname, 'errors'));
});
