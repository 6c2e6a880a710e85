// Semantic error samples (tests/check/errors/*.ftl): names, imports, arguments, types,
// shapes, patterns, recipe keys, placement. Each asserts its codes and spans.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorSampleTests } from './error-samples.ts';

describe('check error samples', () => {
  const files = errorSampleTests(join(import.meta.dirname, 'errors'));
  it('has at least 40 samples', () => expect(files.length).toBeGreaterThanOrEqual(40));
});
