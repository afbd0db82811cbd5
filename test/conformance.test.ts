import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { findTestDirs, runConformanceTest } from '@pimc/driver';
import { ONNX_NODE_DIR, requireSharedData } from '@pimc/testing';

requireSharedData();

/**
 * The ONNX backend node tests, run twice: on the raw import (the executor's semantics alone) and
 * after the simplification pipeline (which must not change any result beyond the tolerance).
 */
describe('ONNX backend node tests', () => {
  const dirs = findTestDirs([ONNX_NODE_DIR]);

  it('finds all 214 tests', () => {
    expect(readdirSync(ONNX_NODE_DIR).filter((d) => d.startsWith('test_'))).toHaveLength(214);
    expect(dirs).toHaveLength(214);
  });

  for (const pipeline of ['', undefined]) {
    describe(pipeline === '' ? 'raw import' : 'simplified', () => {
      it.each(dirs.map((d) => [d.split('/').pop()!, d]))('%s', (_name, dir) => {
        const result = runConformanceTest(dir, pipeline === undefined ? {} : { pipeline });
        const failures = result.sets.flatMap((s) => s.outputs.filter((o) => !o.ok).map((o) => `${s.set}: ${o.reason}`));
        expect({ error: result.error, failures }).toEqual({ error: undefined, failures: [] });
        expect(result.ok).toBe(true);
      });
    });
  }
});
