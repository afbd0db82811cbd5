// Rewrites the golden corpus (golden/<fixture>/<preset>/output_0.pb and summary.json) after an
// intended change. CI never runs this: test/golden.test.ts recomputes and compares.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTensorFile } from '@pimc/driver';
import { computeGolden, goldenCases } from '@pimc/testing';

for (const c of goldenCases()) {
  const started = performance.now();
  const result = computeGolden(c);
  mkdirSync(c.dir, { recursive: true });
  writeTensorFile(join(c.dir, 'output_0.pb'), result.output, 'pb', 'output');
  writeFileSync(join(c.dir, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  console.log(`${c.fixture} on ${c.preset}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
