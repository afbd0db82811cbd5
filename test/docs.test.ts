import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supportedOpsMarkdown } from '@pimc/frontend-onnx';

describe('generated docs', () => {
  it('docs/supported-ops.md is current (run `npm run docs` after adding an op or import rule)', () => {
    const onDisk = readFileSync(new URL('../docs/supported-ops.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(supportedOpsMarkdown());
  });
});
