// `npm run docs`: regenerates the reference pages (or their generated sections) derived from code.
// Tests fail when any of them is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { formatConstantReference, formatFieldReference, replaceGeneratedSection } from '@pimc/arch';
import { supportedOpsMarkdown } from '@pimc/frontend-onnx';

const doc = (name) => new URL(`../docs/${name}`, import.meta.url);

writeFileSync(doc('supported-ops.md'), supportedOpsMarkdown());
writeFileSync(
  doc('chip-format.md'),
  replaceGeneratedSection(readFileSync(doc('chip-format.md'), 'utf8'), 'fields', formatFieldReference()),
);
writeFileSync(
  doc('cost-model.md'),
  replaceGeneratedSection(readFileSync(doc('cost-model.md'), 'utf8'), 'constants', formatConstantReference()),
);
console.log('wrote docs/supported-ops.md and the generated sections of docs/chip-format.md and docs/cost-model.md');
