import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTensors, readTensorFile } from '@pimc/driver';
import { computeGolden, goldenCases } from '@pimc/testing';

/** Every fixture × preset: binary hash, outputs and cost figures equal the checked-in corpus, bit for bit. */
describe('golden corpus (rewrite with `node scripts/golden.js` after an intended change)', () => {
  it.each(goldenCases().map((c) => [`${c.fixture} on ${c.preset}`, c] as const))('%s', (_title, c) => {
    const result = computeGolden(c);
    const expected = readTensorFile(join(c.dir, 'output_0.pb')).tensor;
    expect(compareTensors(result.output, expected, { atol: 0, rtol: 0 }).reason).toBeUndefined();
    expect(result.summary).toEqual(JSON.parse(readFileSync(join(c.dir, 'summary.json'), 'utf8')));
  });
});
